/**
 * The Pipeline view's model (src/ui/pipeline/pipeline-model.ts) against the rules of issue 9:
 * a run where nothing was refused draws no blocked marker; every blocked or leaking flow has a
 * plain sentence naming the stage, the sink and the rule; the terminal and the diagram say the
 * same thing about the same ledger event, and "leak" is judged from where labelled bytes ended
 * up; `policy show` prints what is uploaded. Spec: mica-spec.md §1.3, §3.3, §5.1, §5.4, §6.
 */
import { describe, expect, it } from 'vitest';
import { labTerminals } from '../shell/lab-terminals.ts';
import { abi, type LedgerEventOf } from '../../src/emulator/index.ts';
import {
  VIDEO_MODERATION,
  examplePolicy,
  formatPolicyText,
  judgeFlow,
  micaOf,
  parsePolicy,
  policyOf,
  type Policy,
} from '../../src/policy/index.ts';
import { buildVideoWorkflow, runAttack } from '../../src/workflows/index.ts';
import { buildPipeline, NO_DECLARED_GATEWAY, WIDTH } from '../../src/ui/pipeline/pipeline-model.ts';
import {
  calloutIcon,
  flowLine,
  flowShown,
  newestFlows,
  outcomeSoFar,
} from '../../src/ui/pipeline/outcomes.ts';

const STAGES = ['gateway', 'encoder', 'moderator', 'storage'] as const;

/** The four video realms built and uploaded by hand, as a learner types it. */
function handBuilt() {
  const t = labTerminals();
  for (const r of STAGES) t.type(`realm create ${r}${r === 'gateway' ? ' --net' : ''}`);
  t.type('mica share Mem1 gateway:0 encoder:0 --size 0x40000');
  t.type('mica share Mem2 encoder:1 moderator:0 --size 0x40000');
  t.type('mica share Mem3 moderator:1 storage:0 --size 0x40000');
  for (const r of STAGES) {
    expect(t.type(`@${r} policy upload video-moderation`)).toContain('RSI_SUCCESS');
  }
  return t;
}

/** A policy with every hash label zeroed (labels are bound per machine, §8 item 3). */
function unlabelled(p: Policy): string {
  return formatPolicyText({ ...p, vms: p.vms.map((vm) => ({ ...vm, hash: 0 })) });
}

function overlaps(
  a: { x: number; y: number; w: number; h: number },
  b: { x: number; y: number; w: number; h: number },
): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

describe('pipeline model: no blocked marker on a run where nothing was refused', () => {
  for (const mode of ['mica', 'mica-prototype'] as const) {
    it(`honest run (${mode}): the clean pipeline has no blocked outcome and no callout`, () => {
      const wf = buildVideoWorkflow({ mode });
      wf.runApp();
      const model = buildPipeline(wf.machine.state, wf.machine.ledger);
      expect(model.realms.map((r) => r.name)).toEqual([...STAGES]);
      expect(model.flows.filter((f) => f.outcome !== 'allowed')).toEqual([]);
      expect(model.callouts).toEqual([]);
      // The machine agrees: no monitor decision in its ledger refused anything.
      const refused = wf.machine.ledger.filter(
        (e) => e.kind === 'flow' && e.decision.verdict === 'blocked',
      );
      expect(refused).toEqual([]);
      // The video did move down the pipe.
      expect(model.flows.filter((f) => f.channel === 'shared-memory')).toHaveLength(6);
    });
  }
});

describe('pipeline model: blocked flows carry a plain label naming stage, sink and rule', () => {
  it('attack 4 (MMIO exit, Mica): "encoder tried to hand data to the host (MMIO exit registers): blocked by its policy, rule CF3"', () => {
    const { workflow } = runAttack(4, 'mica');
    const model = buildPipeline(workflow.machine.state, workflow.machine.ledger);
    const [callout] = model.callouts;
    expect(model.callouts).toHaveLength(1);
    expect(callout).toMatchObject({
      kind: 'blocked',
      text: 'encoder tried to hand data to the host (MMIO exit registers): blocked by its policy, rule CF3',
      clause: 'CF3 owner VM2 EXCEPTION 0x24 BLOCK',
    });
    // The jargon is one click away (the clause), not in the drawn label.
    expect(callout!.lines.join(' ')).not.toContain('EXCEPTION');
  });

  it('attack 3 (host call, Mica): names the encoder, the host and rule CF1', () => {
    const { workflow } = runAttack(3, 'mica');
    const model = buildPipeline(workflow.machine.state, workflow.machine.ledger);
    expect(model.callouts.map((c) => c.text)).toEqual([
      'encoder tried to call the host: blocked by its policy, rule CF1',
    ]);
  });

  it('callout boxes sit in their own rows, inside the drawing, below every realm box and U', () => {
    const { workflow } = runAttack(1, 'mica');
    const model = buildPipeline(workflow.machine.state, workflow.machine.ledger);
    expect(model.callouts.length).toBeGreaterThan(1);
    const realmBoxes = model.realms.map((r) => ({
      x: r.x - model.nodeSize.w / 2,
      y: r.y - model.nodeSize.h / 2,
      w: model.nodeSize.w,
      h: model.nodeSize.h,
    }));
    const boxes = model.callouts.map((c) => c.box);
    for (const [i, a] of boxes.entries()) {
      expect(a.x + a.w).toBeLessThanOrEqual(WIDTH);
      expect(a.y + a.h).toBeLessThanOrEqual(model.height);
      expect(a.y).toBeGreaterThanOrEqual(model.u.y + model.u.h);
      for (const r of realmBoxes) expect(overlaps(a, r)).toBe(false);
      for (const b of boxes.slice(i + 1)) expect(overlaps(a, b)).toBe(false);
    }
  });

  it('attack 6 (prototype, late join): the undeclared edge into the intruder is drawn and labelled', () => {
    const { workflow } = runAttack(6, 'mica-prototype');
    const model = buildPipeline(workflow.machine.state, workflow.machine.ledger);
    expect(model.undeclared.map((e) => `${e.from}>${e.to}`)).toContain('Mem1>intruder');
    expect(model.callouts.map((c) => c.text)).toContain(
      'intruder was joined to Mem1, which its policy never declares',
    );
  });
});

describe('pipeline view: a flow line names its clause once', () => {
  it('an upload reads "…: allowed, upload:accepted", a CF block keeps its whole clause after the short one', () => {
    const t = handBuilt();
    t.type('tenant send gateway 0x4f45444956');
    t.type('@gateway net recv 0x18000000000');
    t.type('@encoder console @0x18000000000 16');
    const lines = buildPipeline(t.machine.state, t.machine.ledger).flows.map(flowLine);
    // The list under the drawing said "allowed, upload:accepted (upload:accepted)".
    const twice = lines.filter((l) => /[:,] (\S+) \(\1\)$/.test(l));
    expect(twice).toEqual([]);
    expect(lines).toContain('gateway uploaded its policy: allowed, upload:accepted');
    expect(lines).toContain(
      'encoder tried to hand data to the host (MMIO exit registers): blocked by its policy, rule CF3 (CF3 owner VM2 EXCEPTION 0x24 BLOCK)',
    );
  });
});

describe('pipeline view: flows of a realm the drawing has no box for', () => {
  it('a refused upload (04-mica/03) is listed under the drawing, newest first', () => {
    // The moderator's refused file gives it no box: its refusal was dropped from the list,
    // which showed the gateway's and the encoder's accepted uploads only.
    const t = labTerminals();
    for (const r of STAGES) t.type(`realm create ${r}`);
    t.type('mica share Mem1 gateway:0 encoder:0 --size 0x40000');
    t.type('mica share Mem2 encoder:1 moderator:0 --size 0x40000');
    t.type('mica share Mem3 moderator:1 storage:0 --size 0x40000');
    t.type('@gateway policy upload video-moderation');
    t.type('@encoder policy upload video-moderation');
    expect(t.type('@moderator policy upload size-mismatch')).toContain('refused');
    const model = buildPipeline(t.machine.state, t.machine.ledger);
    expect(model.realms.map((r) => r.name)).toEqual(['gateway', 'encoder']);
    const [newest] = newestFlows(model.flows, model.offDrawing, 8);
    expect(newest).toMatchObject({ outcome: 'blocked' });
    expect(flowLine(newest!)).toMatch(/^moderator .*Mem2\.size/);
  });
});

describe('pipeline model: the terminal and the diagram agree about one ledger event', () => {
  it('console @0x18000000000 16 in encoder#: both say blocked by CF3, from the same event', () => {
    const t = handBuilt();
    t.type('tenant send gateway 0x4f45444956');
    t.type('@gateway net recv 0x18000000000');
    const since = t.machine.ledger.at(-1)!.seq;
    const said = t.type('@encoder console @0x18000000000 16');
    const model = buildPipeline(t.machine.state, t.machine.ledger);
    const after = model.flows.filter((f) => f.seq > since && f.outcome !== 'allowed');
    expect(after).toHaveLength(1);
    const [flow] = after;
    expect(flow).toMatchObject({
      outcome: 'blocked',
      text: 'encoder tried to hand data to the host (MMIO exit registers): blocked by its policy, rule CF3',
    });
    expect(said).toContain(`#${flow!.seq} ${flow!.text}`);
    expect(model.flows.some((f) => f.leak)).toBe(false);
    expect(said).not.toContain('LEAK');
    expect(model.callouts.map((c) => c.seq)).toContain(flow!.seq);
  });

  it('a leak is where labelled bytes ended up: the same events are leaks in the terminal and the drawing', () => {
    const t = handBuilt();
    t.type('tenant send gateway 0x4f45444956');
    t.type('@gateway net recv 0x1000');
    const since = t.machine.ledger.at(-1)!.seq;
    const said = t.type('@gateway console @0x1000 8');
    const model = buildPipeline(t.machine.state, t.machine.ledger);
    const leaks = model.flows.filter((f) => f.seq > since && f.leak);
    expect(leaks.length).toBeGreaterThan(0);
    for (const f of leaks) {
      expect(f.outcome).toBe('leak');
      expect(said).toContain(`#${f.seq} ${f.text}`);
    }
    expect(model.flows.some((f) => f.outcome === 'blocked' && f.seq > since)).toBe(false);
  });

  it('judgeFlow: labelled bytes reaching exit registers leak; into a realm or unlabelled, they do not', () => {
    const flow = (
      destination: LedgerEventOf<'flow'>['destination'],
      labels: string[],
    ): LedgerEventOf<'flow'> => ({
      kind: 'flow',
      seq: 7,
      channel: 'mmio',
      source: { kind: 'realm', name: 'encoder' },
      destination,
      bytes: 8,
      labels,
      decision: { verdict: 'allowed', rule: 'cca:host-visible', reason: 'plain CCA' },
    });
    const registers = { kind: 'register', name: 'exit.gprs[0]' } as const;
    expect(judgeFlow(flow(registers, ['video'])).outcome).toBe('leak');
    expect(judgeFlow(flow(registers, [])).outcome).toBe('allowed');
    expect(judgeFlow(flow({ kind: 'memory', name: 'Mem2' }, ['video'])).outcome).toBe('allowed');
  });
});

describe('pipeline model: policy show prints what is uploaded', () => {
  it('policy show video-moderation in encoder# is the policy the monitor recorded at upload', () => {
    const t = labTerminals();
    for (const r of STAGES) t.type(`realm create ${r}${r === 'gateway' ? ' --net' : ''}`);
    t.type('mica share Mem1 gateway:0 encoder:0 --size 0x40000');
    t.type('mica share Mem2 encoder:1 moderator:0 --size 0x40000');
    const shown = t.type('@encoder policy show video-moderation');
    const text = shown.split('\n').slice(1).join('\n');
    const parsed = parsePolicy(text);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.policy.cfs.map((c) => `${c.name} ${c.type}`)).toEqual([
      'CF1 CALL',
      'CF2 CALL',
      'CF3 EXCEPTION',
      'CF4 OTHER',
      'CF5 EXCEPTION',
      'CF6 OTHER',
    ]);
    t.type('@gateway policy upload video-moderation');
    expect(t.type('@encoder policy upload video-moderation')).toContain('RSI_SUCCESS');
    const m = micaOf(t.machine.state)!;
    const encoder = Object.values(m.realms).find((r) => r.name === 'encoder')!;
    expect(formatPolicyText(policyOf(encoder)!)).toBe(formatPolicyText(parsed.policy));
  });

  it('the Pipeline Run uploads the same shipped file (labels bound to its own realms)', () => {
    const wf = buildVideoWorkflow({ mode: 'mica' });
    STAGES.forEach((name, i) => {
      const shipped = examplePolicy(VIDEO_MODERATION, i);
      expect(shipped.ok).toBe(true);
      if (!shipped.ok) return;
      expect(unlabelled(wf.policies[name]!)).toBe(unlabelled(shipped.value.policy));
      const recorded = Object.values(micaOf(wf.machine.state)!.realms).find((r) => r.name === name);
      expect(formatPolicyText(policyOf(recorded!)!)).toBe(formatPolicyText(wf.policies[name]!));
    });
  });
});

describe('pipeline model: the gateway publishing the sanitiser’s output is the allowed exit', () => {
  it('the honest guardrail’s reply is drawn allowed (left through RF), never as a leak', async () => {
    const { readFileSync } = await import('node:fs');
    const { loadScenarioFile } = await import('../../src/workflows/scenario-file.ts');
    const { runScenarioFile } = await import('../../src/workflows/run.ts');
    const text = readFileSync(
      new URL('../../scenarios/llm-honest-mica.json', import.meta.url),
      'utf8',
    );
    const l = loadScenarioFile(text);
    if (!l.ok) throw new Error(l.error.message);
    const r = runScenarioFile(l.scenario);
    const model = buildPipeline(r.machine.state, r.machine.ledger);
    const reply = model.flows.filter((f) => f.labels.includes('passed:RF') && f.to === 'U');
    expect(reply.length).toBeGreaterThan(0);
    for (const f of reply) {
      expect(f.outcome).toBe('allowed');
      expect(f.text).toMatch(/left through RF \(sanitised\) and RG/);
    }
    expect(model.flows.filter((f) => f.leak)).toEqual([]);
  });
});

describe('the result line as of a ledger position (time travel)', () => {
  it('is running before the first blocked flow, blocked from it on: never the whole run', () => {
    const { workflow } = runAttack(3, 'mica');
    const ledger = workflow.machine.ledger;
    const at = ledger.findIndex((e) => e.kind === 'flow' && e.decision.verdict === 'blocked');
    expect(at).toBeGreaterThan(0);
    const asOf = (n: number) =>
      outcomeSoFar(buildPipeline(workflow.machine.state, ledger.slice(0, n)).flows);
    expect(asOf(at).outcome).toBe('running');
    expect(asOf(at).text).toMatch(/flows? so far, none blocked and none leaked/);
    expect(asOf(at + 1)).toMatchObject({ outcome: 'blocked', title: 'Blocked so far' });
  });

  it('went through once a flow leaked, whatever was blocked before', () => {
    const flows = [
      { outcome: 'blocked' as const, text: 'blocked one' },
      { outcome: 'leak' as const, text: 'the leak' },
    ];
    expect(outcomeSoFar(flows)).toMatchObject({ outcome: 'through', text: 'the leak' });
    expect(outcomeSoFar([])).toMatchObject({ outcome: 'running' });
  });
});

describe('pipeline model: a marker never covers a realm’s name', () => {
  // The name is drawn on a baseline 2px above the middle of its box in 13px bold type
  // (PipelineDiagram.svelte); a marker (radius ~10) drawn at the middle made "gateway" read
  // "gat2way" in attack 21's prototype run, where every stage writes a dummy page.
  const GLYPH = { advance: 8, above: 12, below: 1 };
  const MARKER_R = 10;
  /** A travelling dot's radius (PipelineDiagram.svelte). */
  const DOT_R = 6;
  const clearOfNames = (
    model: ReturnType<typeof buildPipeline>,
    p: { x: number; y: number },
    r: number,
  ): string | undefined => {
    for (const node of model.realms) {
      const half = (node.name.length * GLYPH.advance) / 2;
      const dy = p.y - (node.y - 2);
      const clear =
        Math.abs(p.x - node.x) >= half + r || dy <= -GLYPH.above - r + 2 || dy >= GLYPH.below + r;
      if (!clear) return node.name;
    }
    return undefined;
  };
  for (const mode of ['mica', 'mica-prototype'] as const) {
    it(`the honest run (${mode}): every flow's dot comes to rest clear of every realm name`, () => {
      const wf = buildVideoWorkflow({ mode });
      wf.runApp();
      const model = buildPipeline(wf.machine.state, wf.machine.ledger);
      expect(model.flows.length).toBeGreaterThan(0);
      for (const f of model.flows)
        expect(clearOfNames(model, f.end, DOT_R), `#${f.seq} ${f.text}`).toBeUndefined();
    });
  }
  for (const n of [21, 6, 12]) {
    it(`attack ${n} (mica-prototype): every marker is clear of every realm name`, () => {
      const { workflow } = runAttack(n, 'mica-prototype');
      const model = buildPipeline(workflow.machine.state, workflow.machine.ledger);
      for (const c of model.callouts)
        expect(
          clearOfNames(model, c.marker, MARKER_R),
          `marker ${c.n} (${c.text})`,
        ).toBeUndefined();
    });
  }
});

describe('pipeline model on CCA alone (product.md story step 3)', () => {
  // The view drew nothing on CCA alone ("No Mica realms to draw"): the problem the lab opens
  // with, the host seeing every frame, was only in the ledger list.
  it('the realms in the order they were made, no pipe, every exit open, each hop into NS memory a leak at U', async () => {
    const { readFileSync } = await import('node:fs');
    const { loadScenarioFile } = await import('../../src/workflows/scenario-file.ts');
    const { runScenarioFile } = await import('../../src/workflows/run.ts');
    const text = readFileSync(
      new URL('../../scenarios/video-cca-leaks.json', import.meta.url),
      'utf8',
    );
    const loaded = loadScenarioFile(text);
    if (!loaded.ok) throw new Error(loaded.error.message);
    const r = runScenarioFile(loaded.scenario);
    const model = buildPipeline(r.machine.state, r.machine.ledger);
    expect(model.realms.map((n) => [n.name, n.group, n.uploaded])).toEqual([
      ['gateway', 'tenant', false],
      ['encoder', 'third-party', false],
      ['moderator', 'third-party', false],
      ['storage', 'third-party', false],
    ]);
    expect(model.pipes).toEqual([]);
    expect(model.exits.every((x) => x.open)).toBe(true);
    const leaks = model.flows.filter((f) => f.leak);
    expect(new Set(leaks.map((f) => `${f.from}>${f.to}`))).toEqual(
      new Set(STAGES.map((s) => `${s}>U`)),
    );
    expect(model.callouts.filter((c) => c.kind === 'leak').length).toBeGreaterThan(0);
    // The declared gateway fills the tenant's row: it needs no hint.
    expect(model.bands.map((b) => [b.group, b.hint])).toEqual([
      ['tenant', undefined],
      ['third-party', undefined],
    ]);
  });

  it('free terminals declare no gateway: the tenant’s row holds no realm and says why instead of standing empty', () => {
    const t = labTerminals({ mode: 'cca' });
    expect(t.type('realm create alpha')).toContain('ACTIVE');
    expect(t.type('realm create beta')).toContain('ACTIVE');
    const model = buildPipeline(t.machine.state, t.machine.ledger);
    expect(model.realms.map((n) => [n.name, n.group])).toEqual([
      ['alpha', 'third-party'],
      ['beta', 'third-party'],
    ]);
    const tenant = model.bands.find((b) => b.group === 'tenant');
    expect(tenant?.hint).toBe(NO_DECLARED_GATEWAY);
    expect(model.bands.find((b) => b.group === 'third-party')?.hint).toBeUndefined();
  });
});

describe('pipeline model: Mica draws both rows without a hint (its policies name the gateway)', () => {
  it('the hand-built pipeline', () => {
    const t = handBuilt();
    const model = buildPipeline(t.machine.state, t.machine.ledger);
    expect(model.bands.every((b) => b.hint === undefined)).toBe(true);
    expect(model.bands.map((b) => b.group)).toEqual(['tenant', 'third-party']);
  });
});

describe('pipeline model: what a prototype gap let through is marked where it happened (§6 attacks 11, 20)', () => {
  const gapCallouts = (model: ReturnType<typeof buildPipeline>) =>
    model.callouts.filter((c) => c.kind === 'gap');
  const distance = (a: { x: number; y: number }, b: { x: number; y: number }) =>
    Math.hypot(a.x - b.x, a.y - b.y);

  it('a host undelegating a shared page by hand (no attack script): a gap mark at that object’s pipe, naming the realms that then faulted', () => {
    const wf = buildVideoWorkflow({ mode: 'mica-prototype' });
    wf.runApp();
    const status = wf.host.smc(abi.SMC_RMI_GRANULE_UNDELEGATE, wf.host.backing('Mem1', 0));
    expect(status.status).toBe('RMI_SUCCESS');
    // The pipeline runs again: the gateway writes and the encoder reads a page that went back
    // to the NS world under them.
    wf.runApp();
    const model = buildPipeline(wf.machine.state, wf.machine.ledger);
    const [mark, ...more] = gapCallouts(model);
    expect(more).toEqual([]);
    expect(mark?.clause).toBe('gap-undelegate-shared');
    expect(mark?.text).toMatch(
      /^host undelegated shared page 0x[0-9a-f]+ while it is still shared/,
    );
    expect(mark?.text).toContain('then gateway and encoder faulted on it (SEA)');
    // The mark is the machine's event, on the pipe of the object the page backs.
    const event = wf.machine.ledger.find((e) => e.seq === mark?.seq);
    expect(event?.kind === 'flow' && event.decision.rule).toBe('gap-undelegate-shared');
    const mem1 = model.pipes.find((p) => p.object === 'Mem1')!;
    expect(distance(mark!.marker, mem1.mid)).toBeLessThan(20);
  });

  it('attack 11 (mica-prototype): one gap mark at Mem1; in Mica the refusal is marked at the same pipe and no gap is', () => {
    const proto = runAttack(11, 'mica-prototype');
    expect(proto.outcome).toBe('through');
    expect(proto.leaks).toBe(0);
    const pm = buildPipeline(proto.workflow.machine.state, proto.workflow.machine.ledger);
    const [mark] = gapCallouts(pm);
    const mem1 = pm.pipes.find((p) => p.object === 'Mem1')!;
    expect(distance(mark!.marker, mem1.mid)).toBeLessThan(20);

    const mica = runAttack(11, 'mica');
    const mm = buildPipeline(mica.workflow.machine.state, mica.workflow.machine.ledger);
    expect(gapCallouts(mm)).toEqual([]);
    const refused = mm.callouts.find((c) => c.kind === 'blocked');
    expect(refused?.clause).toBe('shared page mapped');
    const micaMem1 = mm.pipes.find((p) => p.object === 'Mem1')!;
    expect(distance(refused!.marker, micaMem1.mid)).toBeLessThan(20);
  });

  it('attack 20 (mica-prototype): the host’s interrupt is marked under the encoder, clear of its box; in Mica it is blocked', () => {
    const proto = runAttack(20, 'mica-prototype');
    expect(proto.outcome).toBe('through');
    const pm = buildPipeline(proto.workflow.machine.state, proto.workflow.machine.ledger);
    const [mark, ...more] = gapCallouts(pm);
    expect(more).toEqual([]);
    expect(mark?.text).toBe(
      'host interrupted encoder: let through by the prototype (gap-debug-irq)',
    );
    const encoder = pm.realms.find((r) => r.name === 'encoder')!;
    expect(mark!.marker.y).toBeGreaterThan(encoder.y + pm.nodeSize.h / 2);
    expect(Math.abs(mark!.marker.x - encoder.x)).toBeLessThan(pm.nodeSize.w / 2);

    const mica = runAttack(20, 'mica');
    const mm = buildPipeline(mica.workflow.machine.state, mica.workflow.machine.ledger);
    expect(gapCallouts(mm)).toEqual([]);
    expect(mm.callouts.map((c) => c.kind)).toEqual(['blocked']);
  });

  it('the list under the drawing marks a gap flow as its callout does: the gap mark and the same sentence, not the plain allowed arrow (attacks 11, 20)', () => {
    for (const n of [11, 20]) {
      const proto = runAttack(n, 'mica-prototype');
      const pm = buildPipeline(proto.workflow.machine.state, proto.workflow.machine.ledger);
      const [mark] = gapCallouts(pm);
      const listed = newestFlows(pm.flows, pm.offDrawing, 8).find((f) => f.seq === mark!.seq)!;
      expect(flowShown(listed)).toEqual({
        icon: '⚑',
        said: 'Let through by a prototype gap:',
        verdict: '⚑ prototype gap',
      });
      expect(calloutIcon(mark!.kind)).toBe(flowShown(listed).icon);
      expect(flowLine(listed)).toBe(mark!.text);
      // An allowed flow no gap let through keeps the arrow.
      const plain = pm.flows.find((f) => f.outcome === 'allowed' && f.gap === undefined)!;
      expect(flowShown(plain).icon).toBe('→');
    }
  });

  it('the honest prototype run uses no gap and is marked nowhere', () => {
    const wf = buildVideoWorkflow({ mode: 'mica-prototype' });
    wf.runApp();
    expect(buildPipeline(wf.machine.state, wf.machine.ledger).callouts).toEqual([]);
  });
});
