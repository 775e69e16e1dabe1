// The policy half of the course (04-mica/01, part 06, 07-capstone) and the policy editor's
// model: the fixtures' RIM labels are the machine's, each lesson's plausible wrong route leaves
// a goal open (the machine, not the typing, decides), the fix-it drafts really leak or are
// really refused on the machine, and the editor's located errors, upload line and preview say
// what the parser, the terminal and the monitor say.
import { describe, expect, it } from 'vitest';
import {
  FIX_ANY_WINDOW,
  FIX_NO_EXCEPTION,
  FIX_TOO_OPEN,
  LLM_GUARDRAIL_SHIPPED,
  VIDEO_BROKEN,
  VIDEO_MODERATION,
  formatPolicyText,
  parsePolicy,
  previewUpload,
  rimLabel,
} from '../../src/policy/index.ts';
import { createLabMachine, tokenize } from '../../src/shell/index.ts';
import { replayCommands, startLesson, type Lesson } from '../../src/lessons/index.ts';
import { findLesson } from '../../src/lessons/loaded.ts';
import {
  IN_BAR0,
  LABELS,
  OUTSIDER,
  OUTSIDER_LABEL,
  OUTSIDER_LINE,
  STAGES,
  STAGE_LINES,
  VIDEO_LINES,
  WIRE_LINES,
  allAccepted,
  boundPolicy,
  leaks,
  rebuildLines,
  uploadTextStep,
} from '../../src/lessons/fixtures/policy-pipeline.ts';
import { openTerminals } from '../../src/lessons/terminals.ts';
import { checkDraft, loadOptions, segments, uploadStep } from '../../src/ui/policy/editor-model.ts';

const CONSISTENT_LEAK = VIDEO_BROKEN.find((e) => e.id === 'consistent-leak')!;

function lesson(id: string): Lesson {
  const found = findLesson(id);
  if (!found) throw new Error(`no lesson ${id}`);
  return found;
}

function goals(id: string, lines: readonly string[]): Record<string, boolean> {
  const replay = replayCommands(lesson(id), [...lines]);
  return Object.fromEntries(replay.goals.map((g) => [g.id, g.done]));
}

describe('the fixtures match the machine', () => {
  it('LABELS are the RIM labels (§8 item 3) the stage lines give on a fresh Mica machine', () => {
    const m = createLabMachine({ mode: 'mica' });
    const t = openTerminals(m);
    for (const line of STAGE_LINES) t.execute(line);
    t.execute(OUTSIDER_LINE);
    const labelOf = (name: string) =>
      rimLabel(m.state.rmm.realms['0x' + m.state.host!.realms[name]!.rd.toString(16)]!.rim);
    for (const s of STAGES) expect(labelOf(s), s).toBe(LABELS[s]);
    expect(labelOf(OUTSIDER)).toBe(OUTSIDER_LABEL);
  });

  it('a stage destroyed and built again measures to the same label (a redeploy keeps the binding)', () => {
    const m = createLabMachine({ mode: 'mica' });
    const t = openTerminals(m);
    for (const line of [...STAGE_LINES, ...rebuildLines('encoder'), ...rebuildLines('storage')])
      t.execute(line);
    for (const s of STAGES) {
      const rd = m.state.host!.realms[s]!.rd;
      expect(rimLabel(m.state.rmm.realms['0x' + rd.toString(16)]!.rim), s).toBe(LABELS[s]);
    }
  });
});

describe('the fix-it lessons start from a deployed draft that leaks', () => {
  it.each([
    ['06-fix-it/02-any-window', 'archive'],
    ['06-fix-it/03-exception-rule', 'encoder'],
    ['06-fix-it/04-bypass', 'storage'],
  ])('%s: the setup delivered the video and the judge finds %s leaking it', (id, actor) => {
    const session = startLesson(lesson(id));
    const view = { machine: session.machine, ledger: session.machine.ledger };
    expect(leaks(view).map((j) => j.actor)).toContain(actor);
    expect(allAccepted(view).done).toBe(true);
    expect(session.check().filter((g) => g.done)).toEqual([]);
  });
});

describe('wrong routes leave a goal open', () => {
  it('04-mica/01: an encoder file whose Mem2 the moderator reads RW is accepted, but the moderator’s file then disagrees', () => {
    const wrong = boundPolicy(FIX_TOO_OPEN, 'encoder', (p) => ({
      ...p,
      vms: p.vms.map((v) => (v.name === 'VM2' ? { ...v, isGateway: false, strict: true } : v)),
      mems: p.mems.map((m) =>
        m.name === 'Mem2'
          ? { ...m, mappings: m.mappings.map((mp) => (mp.vm === 2 ? { ...mp, prot: 'RW' } : mp)) }
          : m,
      ),
    }));
    const done = goals('04-mica/01-declare', [
      uploadTextStep('encoder', wrong),
      '@moderator policy upload video-moderation',
    ]);
    expect(done).toEqual({
      'encoder-accepted': true,
      'declares-pipes': true,
      'moderator-agrees': false,
    });
  });

  it('04-mica/01: every shipped encoder file is withheld, so uploading an answer leaves every goal open', () => {
    const replay = replayCommands(lesson('04-mica/01-declare'), [
      '@encoder policy upload video-moderation',
      '@encoder policy upload storage-bypass',
      '@gateway policy show video-publish/encoder',
      '@moderator policy upload video-moderation',
    ]);
    expect(replay.goals.map((g) => g.done)).toEqual([false, false, false]);
    const said = replay.transcript.flatMap((t) => t.output.map((l) => l.text)).join('\n');
    for (const file of ['video-moderation', 'storage-bypass', 'video-publish'])
      expect(said).toContain(`no shipped encoder file is handed out (${file}/encoder withheld)`);
    expect(said).toContain('"policy show video-moderation/gateway"');
  });

  it('a withheld realm’s files are refused only where withheld: the gateway’s shipped file still shows in the encoder', () => {
    const machine = createLabMachine();
    const t = openTerminals(machine, [], { realms: ['encoder'], drafts: [] });
    t.execute('realm create encoder');
    const shown = t.execute('@encoder policy show video-moderation/gateway');
    expect(shown.output[0]!.text).toBe('video-moderation/gateway:');
    const other = openTerminals(machine);
    expect(other.execute('@encoder policy show video-moderation').output[0]!.text).toBe(
      'video-moderation/encoder:',
    );
    // A draft stays on offer: the file a fix-it lesson hands out to be fixed.
    const withDraft = { realms: ['encoder'], drafts: ['fix-too-open'] };
    expect(
      loadOptions(machine, machine.state, 'encoder', withDraft)
        .filter((o) => o.id.startsWith('example:'))
        .map((o) => o.id),
    ).toEqual(['example:fix-too-open']);
    const drafted = openTerminals(machine, [], withDraft);
    expect(drafted.execute('@encoder policy show fix-too-open').output[0]!.text).toBe(
      'fix-too-open/encoder:',
    );
    expect(drafted.execute('@encoder policy show video-moderation').output[0]!.text).toMatch(
      /no shipped encoder file is handed out/,
    );
    expect(loadOptions(machine, machine.state, 'encoder').map((o) => o.id)).toContain(
      'example:video-moderation',
    );
  });

  it.each([
    ['06-fix-it/01-too-open', [], ['encoder']],
    ['06-fix-it/02-any-window', rebuildLines('encoder'), ['encoder']],
    ['06-fix-it/03-exception-rule', rebuildLines('encoder'), ['encoder']],
    [
      '06-fix-it/04-bypass',
      [...rebuildLines('encoder'), ...rebuildLines('storage')],
      ['encoder', 'storage'],
    ],
  ])(
    '%s: an honest shipped file cannot stand in for the fix (withheld; the draft stays on offer)',
    (id, rebuild, stages) => {
      const replay = replayCommands(lesson(id), [
        ...rebuild,
        ...stages.map((s) => `@${s} policy upload video-moderation`),
        ...stages.map((s) => `@${s} policy upload storage-bypass`),
      ]);
      expect(replay.solved).toBe(false);
      const said = replay.transcript.flatMap((t) => t.output.map((l) => l.text)).join('\n');
      for (const s of stages)
        expect(said).toContain(
          `no shipped ${s} file is handed out (video-moderation/${s} withheld)`,
        );
      const draft = lesson(id).drafts![0]!;
      const shown = replayCommands(lesson(id), [`@${stages[0]} policy show ${draft}`]);
      expect(shown.transcript[0]!.output[0]!.text).toBe(`${draft}/${stages[0]}:`);
    },
  );

  it('06-fix-it/01: uploading the draft again is refused again; nothing downstream can run', () => {
    const done = goals('06-fix-it/01-too-open', [
      '@encoder policy upload fix-too-open',
      '@moderator policy upload video-moderation',
      '@storage policy upload video-moderation',
      ...VIDEO_LINES,
      `@encoder console @${IN_BAR0} 8`,
    ]);
    expect(done['all-accepted']).toBe(false);
    expect(done.delivered).toBe(false);
  });

  it('06-fix-it/02: taking the archive down stops the reader, not the window: the verifier still finds encoder -> U', () => {
    const done = goals('06-fix-it/02-any-window', ['realm destroy archive', ...VIDEO_LINES]);
    expect(done).toEqual({ redeployed: false, delivered: true, verifier: false });
  });

  it('06-fix-it/02: the encoder redeployed with the ANY draft again agrees and delivers, and the verifier still refuses', () => {
    const done = goals('06-fix-it/02-any-window', [
      'realm destroy archive',
      ...rebuildLines('encoder'),
      '@encoder policy upload fix-any-window',
      ...VIDEO_LINES,
    ]);
    expect(done).toEqual({ redeployed: true, delivered: true, verifier: false });
  });

  it('06-fix-it/02: the fixed file is refused while the archive still maps Mem2 (exclusivity)', () => {
    const fixed = boundPolicy(FIX_ANY_WINDOW, 'encoder', (p) => ({
      ...p,
      mems: p.mems.map((m) => ({ ...m, mappings: m.mappings.filter((mp) => mp.vm !== 'ANY') })),
    }));
    const replay = replayCommands(lesson('06-fix-it/02-any-window'), [
      ...rebuildLines('encoder'),
      uploadTextStep('encoder', fixed),
    ]);
    const text = replay.transcript
      .at(-1)!
      .output.map((o) => o.text)
      .join('\n');
    expect(text).toMatch(/archive maps page .* of Mem2 .* not a registered realm Mem2 lists/);
    expect(replay.goals.find((g) => g.id === 'redeployed')?.done).toBe(false);
  });

  it('06-fix-it/04: a blocked print of other bytes is not the side channel tried: the goal waits for the video', () => {
    const lesson04 = lesson('06-fix-it/04-bypass');
    const done = goals(lesson04.id, [...lesson04.solution.slice(0, -1), '@encoder console "hi"']);
    expect(done).toEqual({ redeployed: true, delivered: true, closed: false, verifier: true });
  });

  it('06-fix-it/03: the encoder redeployed with the draft again leaks again through its console', () => {
    const done = goals('06-fix-it/03-exception-rule', [
      ...rebuildLines('encoder'),
      '@encoder policy upload fix-no-exception',
      ...VIDEO_LINES,
      `@encoder console @${IN_BAR0} 8`,
    ]);
    expect(done).toEqual({ redeployed: true, delivered: false, closed: false, verifier: false });
  });

  it('06-fix-it/03: a second upload into the deployed encoder is refused (a policy is immutable once accepted)', () => {
    const fixed = boundPolicy(FIX_NO_EXCEPTION, 'encoder', (p) => ({
      ...p,
      cfs: [
        ...p.cfs,
        ...boundPolicy(VIDEO_MODERATION, 'encoder').cfs.filter((cf) => cf.name === 'CF3'),
      ],
    }));
    const done = goals('06-fix-it/03-exception-rule', [
      uploadTextStep('encoder', fixed),
      ...VIDEO_LINES,
      `@encoder console @${IN_BAR0} 8`,
    ]);
    expect(done).toEqual({ redeployed: false, delivered: false, closed: false, verifier: false });
  });

  it('06-fix-it/03: storage still holding last night’s frame is not delivery: the new run must reach it', () => {
    const lesson03 = lesson('06-fix-it/03-exception-rule');
    const upToModerator = lesson03.solution.filter((l) => !l.startsWith('@storage'));
    const done = goals(lesson03.id, upToModerator);
    expect(done).toEqual({ redeployed: true, delivered: false, closed: true, verifier: true });
  });

  it('06-fix-it/04: only the encoder redeployed without Mem4: storage’s file still lists the side channel', () => {
    const done = goals('06-fix-it/04-bypass', [
      ...rebuildLines('encoder'),
      uploadTextStep(
        'encoder',
        boundPolicy(CONSISTENT_LEAK, 'encoder', (p) => ({
          ...p,
          mems: p.mems.filter((m) => m.name !== 'Mem4'),
        })),
      ),
      ...VIDEO_LINES,
      `@encoder copy ${IN_BAR0} 0x18008000020 8`,
    ]);
    expect(done.redeployed).toBe(false);
    expect(done.verifier).toBe(false);
  });

  it('06-fix-it/04: both redeployed with the draft again: accepted everywhere, and the raw video leaves through storage', () => {
    const done = goals('06-fix-it/04-bypass', [
      ...rebuildLines('encoder'),
      ...rebuildLines('storage'),
      'mica share Mem4 encoder:2 storage:1',
      '@encoder policy upload consistent-leak',
      '@storage policy upload consistent-leak',
      ...VIDEO_LINES,
      `@encoder copy ${IN_BAR0} 0x18008000020 8`,
      '@storage copy 0x18004000020 0x3000 8',
      '@storage console @0x3000 8',
    ]);
    expect(done).toEqual({ redeployed: true, delivered: false, closed: false, verifier: false });
  });

  it('07-capstone: the answer written back into Mem1 is not the round trip until rg reads it', () => {
    const capstone = lesson('07-capstone/01-llm-guardrail');
    const readBack = capstone.solution.findIndex((l) => /^@rg copy 0x18000000040 /.test(l));
    expect(readBack).toBeGreaterThan(0);
    const before = goals(capstone.id, capstone.solution.slice(0, readBack));
    expect(before['round-trip']).toBe(false);
    const after = goals(capstone.id, capstone.solution.slice(0, readBack + 1));
    expect(after['round-trip']).toBe(true);
  });

  it('07-capstone: the shipped files (every realm a gateway) give a token the verifier rejects', () => {
    const capstone = lesson('07-capstone/01-llm-guardrail');
    const lines = capstone.solution.map((l) =>
      l.replace('llm-guardrail-locked', LLM_GUARDRAIL_SHIPPED.id),
    );
    const done = goals(capstone.id, lines);
    expect(done.accepted).toBe(true);
    expect(done.verified).toBe(false);
  });
});

describe('the policy editor model', () => {
  it('locates a parser error: line and column of the parser, the underlined token, the sentence', () => {
    const text = '{\n  "Self": "VM1",\n  oops: 1\n}\n';
    const check = checkDraft(text);
    expect(check.policy).toBeUndefined();
    const p = check.problems[0]!;
    expect([p.line, p.column]).toEqual([3, 3]);
    expect(text.slice(p.from, p.to)).toBe('oops');
    expect(p.message).toMatch(/^3:3/);
    const marked = segments(text, check.problems).filter((s) => s.severity === 'error');
    expect(marked.map((s) => s.text)).toEqual(['oops']);
  });

  it('lists the problems top to bottom, as the text reads', () => {
    const text = FIX_NO_EXCEPTION.realms[1]!.text.replace(
      /"CF4": \{/,
      '"CF3": {\n    "owner": "VM5",\n    "type": "EXCEPTIONS",\n    "range": [0x24, 0x20],\n    "policy": "BLOK"\n  },\n\n  "CF4": {',
    );
    const problems = checkDraft(text).problems;
    expect(problems.map((p) => p.message.replace(/:.*$/s, ''))).toEqual(
      [...problems]
        .sort((a, b) => a.line - b.line || a.column - b.column)
        .map((p) => p.message.replace(/:.*$/s, '')),
    );
    expect(problems.map((p) => /CF3\.(\w+)/.exec(p.message)?.[1])).toEqual([
      'owner',
      'type',
      'policy',
    ]);
  });

  it('a draft that parses has no problems and yields the policy the terminal would upload', () => {
    const text = FIX_ANY_WINDOW.realms[1]!.text;
    const check = checkDraft(text);
    expect(check.problems).toEqual([]);
    expect(check.policy).toEqual((parsePolicy(text) as { policy: unknown }).policy);
  });

  it('the upload step is one realm line whose quoted word is the text, parsed to the same policy', () => {
    const text = formatPolicyText(boundPolicy(FIX_NO_EXCEPTION, 'encoder'));
    const step = uploadStep('encoder', text);
    expect(step.startsWith('@encoder policy upload ')).toBe(true);
    const words = tokenize(step.slice('@encoder '.length));
    expect(words.ok).toBe(true);
    if (!words.ok) return;
    expect(words.words.slice(0, 2)).toEqual(['policy', 'upload']);
    const a = parsePolicy(words.words[2]!);
    const b = parsePolicy(text);
    expect(a.ok && b.ok && a.policy).toEqual(b.ok && b.policy);
  });

  it('text holding a single quote is double-quoted with escapes and tokenizes back unchanged', () => {
    const text = '{ "Self": "VM1",\n  "note\\"s": "it\'s" }';
    const step = uploadStep('gw', text);
    const words = tokenize(step.slice('@gw '.length));
    expect(words.ok && words.words[2]).toBe(text.replace(/\s*\n\s*/g, ' '));
  });

  it('previews the monitor’s refusals with both copies: the too-open encoder against the gateway', () => {
    const m = createLabMachine({ mode: 'mica' });
    const t = openTerminals(m);
    for (const line of [...STAGE_LINES, ...WIRE_LINES, '@gateway policy upload video-moderation'])
      t.execute(line);
    const rd = m.state.host!.realms['encoder']!.rd;
    const preview = previewUpload(m.state, rd, boundPolicy(FIX_TOO_OPEN, 'encoder'));
    expect(preview.kind).toBe('checked');
    if (preview.kind !== 'checked') return;
    expect(preview.peers.map((p) => p.name)).toEqual(['gateway']);
    expect(preview.differences.map((d) => `${d.refusal.object} ${d.refusal.field}`)).toEqual([
      'Mem1 VM2.is-gateway',
      'Mem1 VM2.strict',
    ]);
    expect(preview.differences[0]!.mine).toMatch(/"VM2": \{ .*"is-gateway": true/);
    expect(preview.differences[0]!.theirs).toMatch(/"VM2": \{ .*"is-gateway": false/);
    // The monitor, given the same file, refuses with the first of those clauses.
    const out = t.execute(uploadTextStep('encoder', boundPolicy(FIX_TOO_OPEN, 'encoder')));
    expect(out.output.map((o) => o.text).join('\n')).toMatch(
      /monitor: blocked by Mem1\.VM2\.is-gateway/,
    );
  });

  it('a wrong hash label is the identity refusal of §8 item 3, before any agreement check', () => {
    const m = createLabMachine({ mode: 'mica' });
    const t = openTerminals(m);
    for (const line of STAGE_LINES) t.execute(line);
    const rd = m.state.host!.realms['encoder']!.rd;
    const policy = boundPolicy(FIX_TOO_OPEN, 'encoder', (p) => ({
      ...p,
      vms: p.vms.map((v) => (v.name === 'VM2' ? { ...v, hash: 0x2 } : v)),
    }));
    const preview = previewUpload(m.state, rd, policy);
    expect(preview.kind === 'checked' && preview.differences.map((d) => d.refusal.check)).toEqual([
      'identity',
    ]);
  });
});
