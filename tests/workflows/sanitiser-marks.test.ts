// Sanitiser marks (issue 10 item 1, mica-spec.md §1.3, §4.5 step 6): the tenant names its
// sanitiser by the realm's measurement; the machine marks what that realm computes from
// labelled input as having passed it; copies carry marks, computation elsewhere drops them; the
// judge accepts labelled bytes leaving only through the sanitiser and the gateway, and every
// other exit of the same bytes to the same sink stays a leak.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  isHostVisible,
  leaksOf,
  passedMark,
  type LedgerEventOf,
} from '../../src/emulator/index.ts';
import { LLM_GUARDRAIL_LOCKED } from '../../src/policy/examples/llm-guardrail.ts';
import {
  declaredPassage,
  judgeFlow,
  realmNamer,
  sanitisedPassage,
} from '../../src/policy/judge.ts';
import { ownWindow } from '../../src/policy/monitor/common.ts';
import { labelsIn } from '../../src/emulator/hw/labels.ts';
import { walkRtt } from '../../src/emulator/index.ts';
import { FRAME_COUNT, MODERATED_RECORD_BYTES } from '../../src/workflows/frames.ts';
import { RAM_IPA, destroyRealm } from '../../src/workflows/host.ts';
import { createLabMachine } from '../../src/shell/index.ts';
import { ANSWER_OFFSET, PROMPT_OFFSET, REPLY_IPA, runLlmApp } from '../../src/workflows/llm.ts';
import { runScenarioFile } from '../../src/workflows/run.ts';
import { loadScenarioFile, type ScenarioFile } from '../../src/workflows/scenario-file.ts';
import { TEXT_MAX_BYTES } from '../../src/workflows/text-model.ts';
import { buildVideoWorkflow, type VideoWorkflow } from '../../src/workflows/video.ts';

const PROMPT = 'my password is hunter2; how does mica keep the prompt private';

function load(name: string): ScenarioFile {
  const text = readFileSync(new URL(`../../scenarios/${name}.json`, import.meta.url), 'utf8');
  const l = loadScenarioFile(text);
  if (!l.ok) throw new Error(l.error.message);
  return l.scenario;
}

/** The locked-down guardrail on a Mica machine, RF declared a sanitiser (or not), app run. */
function guardrail(declare: boolean): { wf: VideoWorkflow; box: (r: string, m: string) => number } {
  const wf = buildVideoWorkflow({ mode: 'mica', example: LLM_GUARDRAIL_LOCKED });
  const box = (realm: string, mem: string): number => {
    const p = wf.policies[realm]!;
    const own = ownWindow(
      p,
      p.mems.find((m) => m.name === mem)!,
    );
    return Number(own!.gpa);
  };
  if (declare)
    wf.machine.hostIo.declaredRealm({
      role: 'sanitiser',
      rim: wf.host.rimOf(wf.realms.RF!),
      name: 'RF',
    });
  wf.machine.hostIo.declaredRealm({
    role: 'gateway',
    rim: wf.host.rimOf(wf.realms.RG!),
    name: 'RG',
  });
  runLlmApp(wf, PROMPT, box);
  return { wf, box };
}

/** The labels register `name` of realm `realm` holds (the RMM handed them with the load). */
function held(wf: VideoWorkflow, realm: string, name: string): string[] {
  const l = wf.host.recOf(wf.realms[realm]!).guest[`regl:${name}`];
  return typeof l === 'string' && l !== '' ? l.split(',') : [];
}

/** The allowed flows of labelled bytes from the gateway into host-visible memory. */
function gatewayExits(wf: VideoWorkflow): LedgerEventOf<'flow'>[] {
  return leaksOf(wf.machine.ledger, 'prompt').filter(
    (e) => e.source.kind === 'realm' && e.channel === 'ns-memory',
  );
}

describe('sanitiser marks are facts of the machine', () => {
  it('what the declared sanitiser computes from labelled input carries its mark beside the label', () => {
    const { wf } = guardrail(true);
    // RG loaded RF's screened answer: prompt-derived, and marked as RF's output.
    expect(held(wf, 'RG', 'a0')).toEqual(['passed:RF', 'prompt']);
    // RI loaded RF's screened prompt: marked too.
    expect(held(wf, 'RI', 'q0')).toEqual(['passed:RF', 'prompt']);
  });

  it('a computation outside the sanitiser drops the mark of what it read (its output is not the sanitiser’s)', () => {
    const { wf } = guardrail(true);
    // RF loaded RI's answer, computed by RI from the marked prompt: the label stays, the mark goes.
    expect(held(wf, 'RF', 'a0')).toEqual(['prompt']);
  });

  it('a copy by the sanitiser realm moves marks but adds none: only its computation marks', () => {
    const { wf, box } = guardrail(true);
    // RF copies RG's raw prompt (Mem1) into Mem2 unchanged; RI loads it.
    const spare = 0x200;
    wf.exec('RF', [
      {
        op: 'copy',
        from: box('RF', 'Mem1') + PROMPT_OFFSET,
        to: box('RF', 'Mem2') + spare,
        len: TEXT_MAX_BYTES,
      },
    ]);
    wf.exec('RI', [{ op: 'read', ipa: box('RI', 'Mem2') + spare, into: 'raw' }]);
    expect(held(wf, 'RI', 'raw')).toEqual(['prompt']);
  });

  it('a bulk map run in the declared moderator marks its records; the encoder’s map (not a sanitiser) marks nothing', () => {
    const wf = buildVideoWorkflow({ mode: 'mica' });
    wf.machine.hostIo.declaredRealm({
      role: 'sanitiser',
      rim: wf.host.rimOf(wf.realms.moderator!),
      name: 'moderator',
    });
    wf.runApp();
    const labelsAt = (realm: string, ipa: number): string[] => {
      const r = wf.machine.state.rmm.realms['0x' + wf.realms[realm]!.rd.toString(16)]!;
      const walk = walkRtt(wf.machine.state, r, ipa);
      if (walk.entry.state !== 'ASSIGNED')
        throw new Error(`${realm}: 0x${ipa.toString(16)} unassigned`);
      return labelsIn(wf.machine.state, walk.entry.pa + (ipa - walk.entryBase), 8);
    };
    // The sink copied the moderator's records into its RAM: the copy kept the mark.
    expect(labelsAt('storage', RAM_IPA)).toEqual(['passed:moderator', 'video']);
    // What the encoder wrote (its own computation, not a sanitiser's) carries the label only;
    // what the moderator wrote carries its mark.
    const nameOf = realmNamer(wf.machine.state);
    const written = (realm: string) =>
      wf.machine.ledger
        .filter(
          (e): e is LedgerEventOf<'flow'> =>
            e.kind === 'flow' &&
            e.channel === 'shared-memory' &&
            e.source.kind === 'realm' &&
            nameOf(e.source.name) === realm,
        )
        .map((e) => e.labels.join(','));
    expect(written('encoder').length).toBeGreaterThan(0);
    expect(new Set(written('encoder'))).toEqual(new Set(['video']));
    expect(new Set(written('moderator'))).toEqual(new Set(['passed:moderator,video']));
  });

  it('no declaration, no mark: the same realm computing the same screen marks nothing', () => {
    const { wf } = guardrail(false);
    expect(held(wf, 'RG', 'a0')).toEqual(['prompt']);
    expect(wf.machine.state.tenant?.[wf.host.rimOf(wf.realms.RF!)]).toBeUndefined();
  });

  it('the declaration is machine state keyed by the measured RIM, and no guest op names a mark', () => {
    const { wf } = guardrail(true);
    expect(wf.machine.state.tenant?.[wf.host.rimOf(wf.realms.RF!)]).toEqual({
      name: 'RF',
      roles: ['sanitiser'],
    });
    expect(passedMark('RF')).toBe('passed:RF');
  });
});

describe('the judge: out through the sanitiser and the gateway, or a leak', () => {
  it('the gateway publishing the sanitiser’s output is a sanitised passage; the raw prompt to the same sink is a leak', () => {
    const { wf, box } = guardrail(true);
    const rawAt = REPLY_IPA + TEXT_MAX_BYTES;
    wf.exec('RG', [
      { op: 'copy', from: box('RG', 'Mem1') + ANSWER_OFFSET, to: REPLY_IPA, len: TEXT_MAX_BYTES },
      { op: 'copy', from: box('RG', 'Mem1') + PROMPT_OFFSET, to: rawAt, len: TEXT_MAX_BYTES },
    ]);
    const exits = gatewayExits(wf);
    const answer = exits.filter((e) => e.labels.includes('passed:RF'));
    const raw = exits.filter((e) => !e.labels.includes('passed:RF'));
    expect(answer.length).toBeGreaterThan(0);
    expect(raw.length).toBeGreaterThan(0);
    const nameOf = realmNamer(wf.machine.state);
    const passage = declaredPassage(wf.machine.state);
    for (const e of answer) {
      expect(isHostVisible(e.destination)).toBe(true);
      expect(sanitisedPassage(e, passage, nameOf)?.text).toMatch(
        /^left through RF \(sanitised\) and RG to NS memory/,
      );
    }
    for (const e of raw) {
      expect(sanitisedPassage(e, passage, nameOf)).toBeUndefined();
      expect(judgeFlow(e, nameOf).outcome).toBe('leak');
    }
  });

  it('a marked flow counts only when the gateway hands it out and its sanitiser is one the tenant named', () => {
    const { wf, box } = guardrail(true);
    wf.exec('RG', [
      { op: 'copy', from: box('RG', 'Mem1') + ANSWER_OFFSET, to: REPLY_IPA, len: TEXT_MAX_BYTES },
    ]);
    const nameOf = realmNamer(wf.machine.state);
    const e = gatewayExits(wf).find((x) => x.labels.includes('passed:RF'));
    expect(e).toBeDefined();
    const passage = declaredPassage(wf.machine.state);
    expect(sanitisedPassage(e!, passage, nameOf)).toBeDefined();
    const ri = { [wf.host.rimOf(wf.realms.RI!)]: 'RI' };
    expect(sanitisedPassage(e!, { sanitisers: ['RF'], gateways: ri }, nameOf)).toBeUndefined();
    expect(
      sanitisedPassage(e!, { sanitisers: ['moderator'], gateways: passage.gateways }, nameOf),
    ).toBeUndefined();
  });

  it('a gateway torn down after it published keeps its name: its sanitised exit is still no leak', () => {
    const { wf, box } = guardrail(true);
    wf.exec('RG', [
      { op: 'copy', from: box('RG', 'Mem1') + ANSWER_OFFSET, to: REPLY_IPA, len: TEXT_MAX_BYTES },
    ]);
    const e = gatewayExits(wf).find((x) => x.labels.includes('passed:RF'))!;
    const rd = wf.realms.RG!.rd;
    expect(destroyRealm(wf.host, wf.realms.RG!).status).toBe('RMI_SUCCESS');
    // Gone from the RMM and the monitor, named by the host's record (HostState.names).
    expect(wf.machine.state.rmm.realms['0x' + rd.toString(16)]).toBeUndefined();
    const nameOf = realmNamer(wf.machine.state);
    expect(nameOf(e.source.name)).toBe('RG');
    expect(sanitisedPassage(e, declaredPassage(wf.machine.state), nameOf)).toBeDefined();
    // A snapshot keeps the names, and a restore checks their shape.
    const copy = createLabMachine();
    expect(copy.restore(wf.machine.snapshot()).ok).toBe(true);
    expect(realmNamer(copy.state)(e.source.name)).toBe('RG');
    const bad = wf.machine.snapshot();
    (bad.state.host!.names as Record<string, unknown>)['RG'] = 7;
    expect(copy.restore(bad).ok).toBe(false);
  });

  it('the honest guardrail publishes its answer to the tenant without a leak; with no sanitiser named the same reply is one', () => {
    const s = load('llm-honest-mica');
    const ok = runScenarioFile(s);
    expect(ok.outcome.outcome).toBe('no-leak');
    expect(ok.leaks).toEqual([]);
    expect(ok.sanitised.map((p) => `${p.sanitiser}->${p.sink}`)).toEqual(['RF->NS memory']);
    expect(ok.flows.filter((f) => f.verdict === 'sanitised')).toHaveLength(1);
    const unnamed = runScenarioFile({ ...s, sanitisers: [] });
    expect(unnamed.outcome).toMatchObject({ outcome: 'leak', through: 'ns-memory' });
    expect(unnamed.sanitised).toEqual([]);
  });

  // Re-judged with marks, no attack's outcome changed: every attack file still reaches the
  // outcome it expects, and none of its exits is taken for the sanitised one. The only allowed
  // exits are the honest gateway publishing the moderated video (video-publish): from the
  // gateway, and never more bytes than the records of the whole video.
  it('marks turn no attack into an allowed exit: every attack file keeps its outcome', () => {
    const dir = new URL('../../scenarios/', import.meta.url);
    const names = readdirNames(dir).filter((n) => n.startsWith('attack-'));
    expect(names.length).toBeGreaterThan(20);
    for (const name of names) {
      const r = runScenarioFile(load(name));
      expect({ name, mismatch: r.mismatch }).toEqual({ name, mismatch: '' });
      const gateway = r.scenario.realms.find((x) => x.gateway)?.name;
      const exits = r.flows.filter((f) => f.verdict === 'sanitised');
      expect(exits.length).toBe(r.sanitised.length);
      for (const f of exits) expect({ name, from: f.from }).toEqual({ name, from: gateway });
      expect(exits.reduce((n, f) => n + f.bytes, 0)).toBeLessThanOrEqual(
        FRAME_COUNT * MODERATED_RECORD_BYTES,
      );
    }
  });
});

function readdirNames(dir: URL): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}
