// The Machine front door: SMC routing, the ledger, events, snapshot/restore.
import { describe, expect, it } from 'vitest';
import { abi, createMachine, SNAPSHOT_FORMAT } from '../../src/emulator/index.ts';
import { u64 } from '../../src/lib/bits.ts';

const DRAM = 0x8000_0000;

describe('SMC routing (cca-spec.md §2.1)', () => {
  it('an unknown FID in the RMI range returns SMCCC_NOT_SUPPORTED (-1)', () => {
    const m = createMachine();
    const used = new Set(m.rmiCommands.map((c) => c.fid));
    let unused = abi.SMC_RMI_FID_MIN;
    while (used.has(unused)) unused++;
    expect(unused).toBeLessThanOrEqual(abi.SMC_RMI_FID_MAX);
    const r = m.smc(unused);
    expect(r.x[0]).toBe(u64(abi.SMCCC_NOT_SUPPORTED));
    expect(r.status).toBe('SMCCC_NOT_SUPPORTED');
  });

  it('RSI and RMM-EL3 FIDs are not callable by the host', () => {
    const m = createMachine();
    expect(m.smc(abi.SMC_RSI_FID_MIN).status).toBe('SMCCC_NOT_SUPPORTED');
    expect(m.smc(abi.RMM_GTSI_DELEGATE, DRAM).status).toBe('SMCCC_NOT_SUPPORTED');
    expect(m.gpiOf(DRAM)).toBe('NS');
  });

  it('RMI_VERSION returns 1.0 as lower and higher, and RMI_ERROR_INPUT for other requests', () => {
    const m = createMachine();
    expect(m.smc(abi.SMC_RMI_VERSION, 0x10000).x).toEqual([0n, 0x10000n, 0x10000n]);
    expect(m.smc(abi.SMC_RMI_VERSION, 0x20000).x).toEqual([1n, 0x10000n, 0x10000n]);
  });

  it('packs the return code as status | index << 8', () => {
    expect(abi.packReturnCode(abi.RMI_ERROR_RTT, 2)).toBe(0x204n);
    expect(abi.unpackReturnCode(0x204n)).toEqual({ status: 4, index: 2 });
  });
});

describe('ledger', () => {
  it('numbers events densely and nests them under their SMC call', () => {
    const m = createMachine();
    const r = m.smc(abi.SMC_RMI_GRANULE_DELEGATE, DRAM);
    expect(m.ledger.map((e) => e.seq)).toEqual(m.ledger.map((_, i) => i + 1));
    const children = m.ledger.filter((e) => e.parent === r.seq).map((e) => e.kind);
    expect(children).toEqual(['smc:call', 'smc:return', 'granule:transition']);
    const gtsi = m.ledger.find((e) => e.kind === 'smc:call' && e.name === 'RMM_GTSI_DELEGATE')!;
    expect(m.ledger.find((e) => e.parent === gtsi.seq)?.kind).toBe('gpt:update');
  });

  it('notifies subscribers per kind and for every event, and unsubscribes', () => {
    const m = createMachine();
    const kinds: string[] = [];
    const gpt: number[] = [];
    const off = m.on('ledger', (e) => kinds.push(e.kind));
    m.on('gpt:update', (e) => gpt.push(e.pa));
    m.smc(abi.SMC_RMI_GRANULE_DELEGATE, DRAM);
    const afterFirst = m.ledger.length;
    off();
    m.smc(abi.SMC_RMI_GRANULE_UNDELEGATE, DRAM);
    expect(m.ledger.length).toBeGreaterThan(afterFirst);
    expect(kinds).toEqual(m.ledger.slice(0, afterFirst).map((e) => e.kind));
    expect(gpt).toEqual([DRAM, DRAM]);
  });

  it('records a blocked host access as mem:access with the GPC decision and a gpf event', () => {
    const m = createMachine();
    m.smc(abi.SMC_RMI_GRANULE_DELEGATE, DRAM);
    m.read(DRAM + 8, 4);
    const [access, gpf] = m.ledger.slice(-2);
    expect(access).toMatchObject({
      kind: 'mem:access',
      actor: 'host',
      op: 'read',
      decision: { verdict: 'blocked', rule: 'gpc' },
    });
    expect(gpf).toMatchObject({ kind: 'gpf', pa: DRAM + 8, gpi: 'REALM' });
  });
});

describe('snapshot / restore', () => {
  it('round-trips through JSON exactly, memory and ledger included', () => {
    const m = createMachine();
    m.write(DRAM + 0x1000, new Uint8Array([0xde, 0xad, 0xbe, 0xef]));
    m.smc(abi.SMC_RMI_GRANULE_DELEGATE, DRAM);
    const snap = JSON.parse(JSON.stringify(m.snapshot()));
    expect(snap.format).toBe(SNAPSHOT_FORMAT);
    const other = createMachine();
    expect(other.restore(snap)).toEqual({ ok: true });
    expect(JSON.stringify(other.snapshot())).toBe(JSON.stringify(m.snapshot()));
    const read = other.read(DRAM + 0x1000, 4);
    expect(read.ok && Array.from(read.bytes)).toEqual([0xde, 0xad, 0xbe, 0xef]);
    expect(other.granuleOf(DRAM).state).toBe('DELEGATED');
  });

  it('undo: restoring an earlier snapshot brings the machine back', () => {
    const m = createMachine();
    const before = m.snapshot();
    m.smc(abi.SMC_RMI_GRANULE_DELEGATE, DRAM);
    m.restore(before);
    expect(m.granuleOf(DRAM).state).toBe('UNDELEGATED');
    expect(m.gpiOf(DRAM)).toBe('NS');
    expect(m.ledger).toHaveLength(0);
  });

  it.each([
    [null, 'expected a JSON object'],
    [{ format: 'x' }, '"format"'],
    [{ format: SNAPSHOT_FORMAT, version: 99 }, 'state version'],
    [{ format: SNAPSHOT_FORMAT, version: 1, state: {} }, 'state.config:'],
  ])('refuses a broken snapshot with a located message and changes nothing (%#)', (bad, msg) => {
    const m = createMachine();
    m.smc(abi.SMC_RMI_GRANULE_DELEGATE, DRAM);
    const before = JSON.stringify(m.snapshot());
    const r = m.restore(bad);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toContain(msg);
    expect(JSON.stringify(m.snapshot())).toBe(before);
  });

  it('refuses corrupt memory in a snapshot, naming the granule', () => {
    const m = createMachine();
    m.write(DRAM, new Uint8Array([1]));
    const snap = JSON.parse(JSON.stringify(m.snapshot()));
    snap.state.memory[String(DRAM / 4096)] = 'not base64!';
    const r = createMachine().restore(snap);
    expect(!r.ok && r.error).toContain(`state.memory["${DRAM / 4096}"]`);
  });
});

describe('restore refuses inconsistent machines', () => {
  it('refuses a snapshot whose GPT contradicts the granule states, naming the granule', () => {
    const m = createMachine();
    m.smc(abi.SMC_RMI_GRANULE_DELEGATE, DRAM);
    const snap = JSON.parse(JSON.stringify(m.snapshot()));
    delete snap.state.gpt[String(DRAM / 4096)];
    const other = createMachine();
    const r = other.restore(snap);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toContain('inconsistent machine');
    expect(!r.ok && r.error).toContain('0x80000000');
    expect(other.granuleOf(DRAM).state).toBe('UNDELEGATED');
  });

  it('refuses a snapshot without the RMM tables', () => {
    const snap = JSON.parse(JSON.stringify(createMachine().snapshot()));
    delete snap.state.rmm.recs;
    const r = createMachine().restore(snap);
    expect(!r.ok && r.error).toContain('state.rmm.recs:');
  });
});

describe('checkpoint / rewind (cheap undo points)', () => {
  it('rewind brings back exactly the state and the ledger of the checkpoint', () => {
    const m = createMachine();
    m.smc(abi.SMC_RMI_GRANULE_DELEGATE, DRAM);
    const before = JSON.stringify(m.snapshot());
    const point = m.checkpoint();
    m.write(DRAM + 0x1000, new Uint8Array([1, 2, 3]));
    m.smc(abi.SMC_RMI_GRANULE_UNDELEGATE, DRAM);
    m.smc(abi.SMC_RMI_GRANULE_DELEGATE, DRAM + 0x2000);
    expect(m.rewind(point)).toEqual({ ok: true });
    expect(JSON.stringify(m.snapshot())).toBe(before);
    expect(m.checkInvariants()).toEqual([]);
    // Numbering continues from the checkpoint: the next event reuses the rewound seq.
    const next = m.smc(abi.SMC_RMI_GRANULE_DELEGATE, DRAM + 0x3000);
    expect(next.seq).toBe(point.nextSeq);
  });

  it('a checkpoint is a copy: later changes to the machine do not reach it', () => {
    const m = createMachine();
    m.write(DRAM, new Uint8Array([7]));
    const point = m.checkpoint();
    m.write(DRAM, new Uint8Array([9]));
    m.rewind(point);
    m.write(DRAM, new Uint8Array([5]));
    m.rewind(point);
    const read = m.read(DRAM, 1);
    expect(read.ok && read.bytes[0]).toBe(7);
  });

  it('is refused, changing nothing, once a restore replaced the history it belongs to', () => {
    const m = createMachine();
    m.smc(abi.SMC_RMI_GRANULE_DELEGATE, DRAM);
    const point = m.checkpoint();
    const other = createMachine();
    other.smc(abi.SMC_RMI_GRANULE_DELEGATE, DRAM + 0x5000);
    other.smc(abi.SMC_RMI_GRANULE_DELEGATE, DRAM + 0x6000);
    expect(m.restore(other.snapshot())).toEqual({ ok: true });
    const before = JSON.stringify(m.snapshot());
    expect(m.rewind(point)).toEqual({
      ok: false,
      error: 'the ledger was replaced since this undo point was taken',
    });
    expect(JSON.stringify(m.snapshot())).toBe(before);
  });
});
