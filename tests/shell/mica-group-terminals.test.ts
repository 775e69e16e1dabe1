/**
 * Issue 13 "terminals that can finish the story": a realm takes a Mica group token and reads
 * the policy blobs (mica-spec.md §4.3-§4.4), the host verifies the token against the tenant's
 * expectations (§4.5). Only shell lines, as a learner types them.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../src/workflows/scenario-file.ts';
import { runScenarioFile } from '../../src/workflows/run.ts';
import { labTerminals } from './lab-terminals.ts';
import { HOST_GROUP_TOKENS, type MachineSnapshot } from '../../src/emulator/index.ts';
import { micaAbi } from '../../src/policy/index.ts';

const STAGES = ['gateway', 'encoder', 'moderator', 'storage'];

/** The §5.1 pipeline built from the terminals with the files of `example` (plus `extra` wiring). */
function pipeline(example: string, extra: readonly string[] = []): string[] {
  return [
    ...STAGES.map((s) => `realm create ${s}`),
    'mica share Mem1 gateway:0 encoder:0',
    'mica share Mem2 encoder:1 moderator:0',
    'mica share Mem3 moderator:1 storage:0',
    ...extra,
    ...STAGES.map((s) => `@${s} policy upload ${example}`),
  ];
}

let honest: MachineSnapshot;
let leaky: MachineSnapshot;

beforeAll(() => {
  const a = labTerminals();
  pipeline('video-moderation').forEach((l) => a.type(l));
  honest = a.machine.snapshot();
  const b = labTerminals();
  pipeline('consistent-leak', ['mica share Mem4 encoder:2 storage:1']).forEach((l) => b.type(l));
  leaky = b.machine.snapshot();
});

function from(snapshot: MachineSnapshot) {
  const t = labTerminals();
  t.machine.restore(snapshot);
  return t;
}

describe('attest group (mica-spec.md §4.3)', () => {
  it('hands the group token, one blob per SGT-connected member and the nonce to the host', () => {
    const { machine, type } = from(honest);
    const o = type('@gateway attest group 0a0b0c');
    expect(o).toContain('attest group: RSI_SUCCESS');
    expect(o).toContain('4 policy blob(s)');
    const last = machine.state.host!.groupTokens!.at(-1)!;
    expect(last.realm).toBe('gateway');
    expect(last.blobs).toHaveLength(4);
    expect(last.blobs.every((b) => b.length === micaAbi.GROUP_BLOB_SIZE * 2)).toBe(true);
    expect(last.challenge.startsWith('0a0b0c000000')).toBe(true);
    expect(last.challenge).toHaveLength(128);
  });

  it('the caller comes first: from storage the group starts with storage', () => {
    const { type } = from(honest);
    const o = type('@storage attest group random');
    expect(o).toMatch(/blob 0 {2}VM4, hash 0x[0-9a-f]+ \(storage\), this realm/);
    expect(o).toMatch(/blob 1 {2}VM3, hash 0x[0-9a-f]+ \(moderator\)$/m);
  });

  it('a realm whose policy BLOCKs its SMCs cannot ask: INIT_GROUP is refused', () => {
    const { machine, type } = from(honest);
    const o = type('@encoder attest group random');
    expect(o).toContain('attest group: RSI_ATTEST_TOKEN_INIT_GROUP: RSI_ERROR_STATE');
    expect(type('@encoder policy blob')).toContain('policy blob: RSI_ATTEST_TOKEN_INIT_GROUP');
    expect(machine.state.host?.groupTokens).toBeUndefined();
  });

  it('CCA alone has no group token', () => {
    const { machine, type } = labTerminals({ mode: 'cca' });
    type('realm create gateway');
    const o = type('@gateway attest group random');
    expect(o).toMatch(/no Mica monitor/);
    expect(machine.state.host?.groupTokens).toBeUndefined();
  });

  it('a challenge that is not hex is a usage error', () => {
    const { type } = from(honest);
    expect(type('@gateway attest group xyz')).toMatch(/usage|must be/);
  });
});

describe('policy blob / blobs (cca_policies, mica-spec.md §4.4)', () => {
  it('policy blob shows payload0, the realm’s own record, decoded', () => {
    const { type } = from(honest);
    const o = type('@gateway policy blob');
    expect(o).toContain('cca_policies/payload0 (2184 bytes)');
    expect(o).toContain('"Self": "VM1"');
    expect(o).not.toContain('payload1');
  });

  it('policy blobs shows every member, caller first; --hex the raw 2184 bytes', () => {
    const { type } = from(honest);
    const all = type('@gateway policy blobs');
    for (let i = 0; i < 4; i++) expect(all).toContain(`payload${i} (2184 bytes)`);
    expect(all).toContain('"Self": "VM4"');
    const hex = type('@gateway policy blob --hex');
    expect(hex).toMatch(/^ {2}0000 {2}[0-9a-f]{64}$/m);
    expect(hex).toMatch(/^ {2}0880 {2}[0-9a-f]{16}$/m);
  });

  it('does not replace the token the host keeps', () => {
    const { machine, type } = from(honest);
    type('@gateway attest group 01');
    const before = structuredClone(machine.state.host!.groupTokens);
    type('@gateway policy blobs');
    expect(machine.state.host!.groupTokens).toEqual(before);
  });
});

describe('mica verify last (mica-spec.md §4.5)', () => {
  it('the honest pipeline, checked against the files the tenant deployed, is verified', () => {
    const { type } = from(honest);
    type('@gateway attest group random');
    const o = type('mica verify last video-moderation');
    expect(o).toContain('Verdict: verified; 15 passed, 0 failed, 0 skipped');
    expect(o).toContain('trust anchor: the lab PUBLIC TEST CPAK');
  });

  it('a too-open pipeline everybody agreed to is rejected by the flow check, path edge by edge', () => {
    const { type } = from(leaky);
    type('@gateway attest group random');
    const o = type('mica verify last consistent-leak');
    expect(o).toContain('✓ neighbours agree');
    expect(o).toContain('✓ policies are the expected ones');
    expect(o).toContain('Verdict: rejected: 1 failed (every path to U passes the sanitiser)');
    expect(o).toContain('offending path, edge by edge:');
    expect(o).toMatch(/1\. encoder -> storage \[shared-memory Mem4\]/);
    expect(o).toMatch(/2\. storage -> U /);
  });

  it('expectations come from the tenant, never from the token: other files reject on policies', () => {
    const { type } = from(leaky);
    type('@gateway attest group random');
    const o = type('mica verify last video-moderation');
    expect(o).toContain("✗ policies are the expected ones: encoder's blob is not");
    expect(o).toMatch(/Verdict: rejected/);
  });

  it('the recorded nonce is the challenge: a token from another request stays fresh only for its own', () => {
    const { machine, type } = from(honest);
    type('@gateway attest group 01');
    machine.state.host!.groupTokens!.at(-1)!.challenge = '02'.padEnd(128, '0');
    expect(type('mica verify last video-moderation')).toContain(
      'Verdict: rejected: 1 failed (challenge freshness)',
    );
  });

  it('refuses rather than guesses: no token yet, no example, an expected realm missing', () => {
    const { type } = from(honest);
    expect(type('mica verify last video-moderation')).toContain('no realm has handed over');
    type('@gateway attest group random');
    expect(type('mica verify last')).toContain('name the pipeline the tenant expects');
    expect(type('mica verify last nope')).toContain('no example "nope"');
    expect(type('mica verify last llm-guardrail-locked')).toMatch(/expects a realm "[a-z]+"/);
  });
});

describe('the host keeps the last few group tokens', () => {
  it(`keeps at most HOST_GROUP_TOKENS, oldest dropped first, the newest last`, () => {
    const { machine, type } = from(honest);
    for (let i = 1; i <= HOST_GROUP_TOKENS + 1; i++) type(`@gateway attest group 0${i}`);
    const kept = machine.state.host!.groupTokens!;
    expect(kept).toHaveLength(HOST_GROUP_TOKENS);
    expect(kept[0]!.challenge.startsWith('02')).toBe(true);
    expect(kept.at(-1)!.challenge.startsWith(`0${HOST_GROUP_TOKENS + 1}`)).toBe(true);
  });
});

describe('the tenant remembers the configuration epoch (issue 11 finding 5)', () => {
  it('mica verify last remembers the epoch of an authentic token and says so', () => {
    const { machine, type } = from(honest);
    type('@gateway attest group random');
    expect(machine.state.host?.groupEpochs).toBeUndefined();
    const o = type('mica verify last video-moderation');
    expect(o).toContain('Verdict: verified');
    expect(o).toMatch(/the tenant now remembers configuration epoch 4/);
    expect(machine.state.host?.groupEpochs).toEqual({ 'video-moderation': 4 });
    // Verifying the same token again changes nothing and is still verified.
    expect(type('mica verify last video-moderation')).toContain('Verdict: verified');
  });

  it('a stale group token is rejected from the terminal once a newer epoch is known', () => {
    const { machine, type } = from(honest);
    type('@gateway attest group random');
    // The tenant has since seen configuration epoch 5 (a stage was torn down and rebuilt).
    machine.state.host!.groupEpochs = { 'video-moderation': 5 };
    const o = type('mica verify last video-moderation');
    expect(o).toMatch(/✗ configuration is current: stale: the token attests configuration epoch 4/);
    expect(o).toMatch(/Verdict: rejected/);
    expect(machine.state.host!.groupEpochs).toEqual({ 'video-moderation': 5 });
    // Another pipeline's epoch says nothing about this one (upload orders are machine-wide).
    machine.state.host!.groupEpochs = { 'video-ring-shipped': 9 };
    expect(type('mica verify last video-moderation')).toContain('Verdict: verified');
  });

  it('a token that fails its own checks cannot move the remembered epoch', () => {
    const { machine, type } = from(honest);
    type('@gateway attest group random');
    const last = machine.state.host!.groupTokens!.at(-1)!;
    // Flip the last byte of the token (inside the realm token's signature).
    const flipped = (parseInt(last.token.slice(-2), 16) ^ 0xff).toString(16).padStart(2, '0');
    last.token = last.token.slice(0, -2) + flipped;
    const o = type('mica verify last video-moderation');
    expect(o).toMatch(/Verdict: rejected/);
    expect(machine.state.host?.groupEpochs).toBeUndefined();
  });
});

describe('mica verify last, after a scenario run restored into the lab', () => {
  /** The lab's terminals on the machine a shipped scenario file's run left. */
  function afterRun(file: string) {
    const text = readFileSync(new URL(`../../scenarios/${file}.json`, import.meta.url), 'utf8');
    const loaded = loadScenarioFile(text);
    if (!loaded.ok) throw new Error(loaded.error.message);
    const report = runScenarioFile(loaded.scenario);
    const t = labTerminals();
    expect(t.machine.restore(report.machine.snapshot()).ok).toBe(true);
    return t;
  }

  it('without an example, the tenant verifies against what it declared to the machine', () => {
    const out = afterRun('video-honest-mica').type('mica verify last');
    expect(out).toContain('expected: what the tenant declared to this machine');
    expect(out).toMatch(/Verdict: verified/);
  });

  it('a token the host relayed without a member is rejected from the machine alone', () => {
    const out = afterRun('attack-19-hide-member-mica').type('mica verify last');
    expect(out).toMatch(/Verdict: rejected/);
  });

  it('a machine with no declared expectations asks for the example, as before', () => {
    const t = labTerminals();
    pipeline('video-moderation').forEach((l) => t.type(l));
    t.type('@gateway attest group random');
    expect(t.type('mica verify last')).toMatch(
      /name the pipeline the tenant expects: mica verify last <example>.*holds no expectations the tenant declared/,
    );
  });
});
