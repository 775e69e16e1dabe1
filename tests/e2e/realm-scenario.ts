/**
 * A scenario that builds one ACTIVE realm from host shell commands alone (delegate, write,
 * rmi), the way a learner would: two starting RTTs, an L2 and an L3 table, one measured
 * DATA page at IPA 0, one REC. Used by the e2e tests through a scenario link.
 */
import { abi, encodeRealmParams, encodeRecParams, mpidrOfIndex } from '../../src/emulator/index.ts';
import { makeScenario, type Scenario } from '../../src/lessons/index.ts';

const hex = (n: number) => `0x${n.toString(16)}`;

/** `write` commands for the non-zero runs of `bytes` placed at `pa`. */
function writes(pa: number, bytes: Uint8Array): string[] {
  const lines: string[] = [];
  let i = 0;
  while (i < bytes.length) {
    if (bytes[i] === 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < bytes.length && bytes.slice(end, end + 8).some((b) => b !== 0)) end += 8;
    end = Math.min(end, bytes.length);
    const run = Buffer.from(bytes.subarray(i, end)).toString('hex');
    lines.push(`write ${hex(pa + i)} 0x${run}`);
    i = end;
  }
  return lines;
}

export const RD = 0x8000_2000;
export const DATA = 0x8000_5000;

/** The commands, in order. */
export function realmCommands(): string[] {
  const rtt0 = 0x8000_0000;
  const params = 0x8001_0000;
  const recParams = 0x8001_2000;
  const src = 0x8001_1000;
  const realmParams = encodeRealmParams({
    s2sz: 40n,
    numBps: 1n,
    numWps: 1n,
    hashAlgo: BigInt(abi.RMI_HASH_SHA_256),
    vmid: 1n,
    rttBase: BigInt(rtt0),
    rttLevelStart: 1n,
    rttNumStart: 2n,
  });
  const aux = [0x8000_7000, 0x8000_8000];
  const rec = encodeRecParams({
    flags: BigInt(abi.RMI_RUNNABLE),
    mpidr: mpidrOfIndex(0),
    pc: 0x1000n,
    numAux: BigInt(aux.length),
    aux: aux.map(BigInt),
  });
  return [
    `delegate ${hex(rtt0)}`,
    `delegate ${hex(rtt0 + 0x1000)}`,
    `delegate ${hex(RD)}`,
    ...writes(params, realmParams),
    `rmi REALM_CREATE ${hex(RD)} ${hex(params)}`,
    'delegate 0x80003000',
    `rmi RTT_CREATE ${hex(RD)} 0x80003000 0x0 2`,
    'delegate 0x80004000',
    `rmi RTT_CREATE ${hex(RD)} 0x80004000 0x0 3`,
    `rmi RTT_INIT_RIPAS ${hex(RD)} 0x0 0x200000`,
    `delegate ${hex(DATA)}`,
    `write ${hex(src)} "hello from the realm image"`,
    `rmi DATA_CREATE ${hex(RD)} ${hex(DATA)} 0x0 ${hex(src)} ${abi.RMI_MEASURE_CONTENT}`,
    'delegate 0x80006000',
    ...aux.map((a) => `delegate ${hex(a)}`),
    ...writes(recParams, rec),
    `rmi REC_CREATE ${hex(RD)} 0x80006000 ${hex(recParams)}`,
    `rmi REALM_ACTIVATE ${hex(RD)}`,
  ];
}

export function realmScenario(): Scenario {
  return makeScenario({
    title: 'One active realm',
    notes: 'Built with host commands only: delegate, write RmiRealmParams, rmi calls.',
    // Plain CCA: in Mica mode REALM_ACTIVATE needs the monitor's PD, which raw RMI never gives.
    mode: 'cca',
    commands: realmCommands(),
  });
}
