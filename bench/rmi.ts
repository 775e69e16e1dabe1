// RMI throughput: calls per second over a mixed host sequence, and the time to build and
// activate a realm with 64 measured DATA granules next to the time node:crypto takes to
// SHA-256 the same bytes (the pages, their measurement descriptors and the params page).
import { createHash } from 'node:crypto';
import {
  abi,
  createMachine,
  encodeRealmParams,
  encodeRecEnter,
  encodeRecParams,
  type Machine,
} from '../src/emulator/index.ts';
import type { Benchmark } from './index.ts';

const DRAM = 0x8000_0000;
const GRANULE = 0x1000;
const DATA_PAGES = 64;

/** Allocates host granules upwards from DRAM. */
function allocator(): (align?: number) => number {
  let next = DRAM;
  return (align = GRANULE) => {
    next = Math.ceil(next / align) * align;
    const pa = next;
    next += GRANULE;
    return pa;
  };
}

function ok(m: Machine, fid: number, ...args: (number | bigint)[]): bigint[] {
  const r = m.smc(fid, ...args);
  if (r.status !== 'RMI_SUCCESS') throw new Error(`${r.status} ${r.failure?.reason ?? ''}`);
  return [...r.x];
}

/** Builds a NEW realm (40-bit IPA, level 1) with level-2/3 RTTs over [0, 2 MiB); returns rd. */
function newRealm(m: Machine, alloc: (align?: number) => number): number {
  const delegated = (align?: number): number => {
    const pa = alloc(align);
    ok(m, abi.SMC_RMI_GRANULE_DELEGATE, pa);
    return pa;
  };
  const rtt = delegated(2 * GRANULE);
  delegated();
  const rd = delegated();
  const params = alloc();
  m.write(
    params,
    encodeRealmParams({
      s2sz: 40n,
      numBps: 1n,
      numWps: 1n,
      rttBase: BigInt(rtt),
      rttLevelStart: 1n,
      rttNumStart: 2n,
      vmid: 1n,
    }),
  );
  ok(m, abi.SMC_RMI_REALM_CREATE, rd, params);
  ok(m, abi.SMC_RMI_RTT_CREATE, rd, delegated(), 0, 2);
  ok(m, abi.SMC_RMI_RTT_CREATE, rd, delegated(), 0, 3);
  return rd;
}

/** Builds and activates a realm with DATA_PAGES measured pages and one REC. */
function buildRealm(): void {
  const m = createMachine();
  const alloc = allocator();
  const rd = newRealm(m, alloc);
  ok(m, abi.SMC_RMI_RTT_INIT_RIPAS, rd, 0, DATA_PAGES * GRANULE);
  const src = alloc();
  m.write(src, new Uint8Array(GRANULE).fill(0x5a));
  for (let i = 0; i < DATA_PAGES; i++) {
    const data = alloc();
    ok(m, abi.SMC_RMI_GRANULE_DELEGATE, data);
    ok(m, abi.SMC_RMI_DATA_CREATE, rd, data, i * GRANULE, src, abi.RMI_MEASURE_CONTENT);
  }
  const rec = alloc();
  const aux = [alloc(), alloc()];
  for (const pa of [rec, ...aux]) ok(m, abi.SMC_RMI_GRANULE_DELEGATE, pa);
  const params = alloc();
  m.write(params, encodeRecParams({ flags: 1n, pc: 0x1000n, numAux: 2n, aux: aux.map(BigInt) }));
  ok(m, abi.SMC_RMI_REC_CREATE, rd, rec, params);
  ok(m, abi.SMC_RMI_REALM_ACTIVATE, rd);
}

/** node:crypto SHA-256 over the bytes the RIM covers for that realm. */
function hashSameBytes(): void {
  const page = new Uint8Array(GRANULE).fill(0x5a);
  const descriptor = new Uint8Array(0x100);
  createHash('sha256').update(new Uint8Array(GRANULE)).digest(); // params page
  createHash('sha256').update(descriptor).digest(); // RIPAS descriptor(s)
  for (let i = 0; i < DATA_PAGES; i++) {
    createHash('sha256').update(page).digest();
    createHash('sha256').update(descriptor).digest();
  }
  createHash('sha256').update(new Uint8Array(GRANULE)).digest(); // REC params
  createHash('sha256').update(descriptor).digest();
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function timeMs(run: () => void, repeat: number): number {
  run(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const start = performance.now();
    run();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

/** A mixed host sequence; returns the number of RMI calls it made. */
function mixedSequence(rounds: number): number {
  const m = createMachine();
  const alloc = allocator();
  const rd = newRealm(m, alloc);
  const src = alloc();
  const run = alloc();
  m.write(run, encodeRecEnter({}));
  let calls = 0;
  const smc = (fid: number, ...args: (number | bigint)[]): void => {
    m.smc(fid, ...args);
    calls++;
  };
  const pages = Array.from({ length: 16 }, () => alloc());
  for (let r = 0; r < rounds; r++) {
    const pa = pages[r % pages.length]!;
    const ipa = (r % pages.length) * GRANULE;
    smc(abi.SMC_RMI_GRANULE_DELEGATE, pa);
    smc(abi.SMC_RMI_DATA_CREATE_UNKNOWN, rd, pa, ipa);
    smc(abi.SMC_RMI_RTT_READ_ENTRY, rd, ipa, 3);
    smc(abi.SMC_RMI_DATA_CREATE, rd, pa, ipa, src, 1); // refused: the IPA is ASSIGNED
    smc(abi.SMC_RMI_REC_ENTER, rd, run); // refused: rd is not a REC
    smc(abi.SMC_RMI_DATA_DESTROY, rd, ipa);
    smc(abi.SMC_RMI_GRANULE_UNDELEGATE, pa);
    smc(abi.SMC_RMI_FEATURES, 0);
  }
  return calls;
}

export const RMI_BENCHMARK: Benchmark = {
  name: 'RMI (realm construction, mixed calls)',
  run(print) {
    mixedSequence(200);
    const start = performance.now();
    const calls = mixedSequence(4000);
    const seconds = (performance.now() - start) / 1000;
    print(`mixed RMI sequence: ${calls} calls, ${(calls / seconds).toFixed(0)} calls/s`);
    const build = timeMs(buildRealm, 15);
    const hash = timeMs(hashSameBytes, 15);
    print(
      `build + activate a realm with ${DATA_PAGES} measured DATA granules: ${build.toFixed(2)} ms`,
    );
    print(
      `node:crypto SHA-256 of the same ${DATA_PAGES} pages + descriptors: ${hash.toFixed(3)} ms`,
    );
    print(`ratio emulator / raw hashing: ${(build / hash).toFixed(1)}x`);
  },
};
