/**
 * Small, pure queries over the flow ledger and the machine view that lesson goals share.
 * They read; they never call the machine's smc/read/write (a host read would itself be a
 * ledger event and would change what the goals see).
 */
import {
  abi,
  granuleBase,
  granuleIndex,
  regionOf,
  type LedgerEvent,
  type LedgerEventOf,
  type LedgerKind,
  type MachineView,
} from '../emulator/index.ts';

/** The events of one kind, oldest first. */
export function eventsOf<K extends LedgerKind>(
  ledger: readonly LedgerEvent[],
  kind: K,
): LedgerEventOf<K>[] {
  // LedgerEventOf<K> is a member of the LedgerEvent union, but TS cannot relate the generic.
  return ledger.filter((e) => e.kind === kind) as unknown as LedgerEventOf<K>[];
}

/** Base of the granule holding `pa`. */
export function granuleOfPa(pa: number): number {
  return granuleIndex(pa) * abi.GRANULE_SIZE;
}

/** True when the byte range [pa, pa+len) touches the granule based at `granule`. */
export function touchesGranule(pa: number, len: number, granule: number): boolean {
  return pa < granule + abi.GRANULE_SIZE && pa + Math.max(len, 1) > granule;
}

/** The GPI the board gives `pa` at boot (`undefined` outside every region). */
export function bootGpi(machine: MachineView, pa: number): string | undefined {
  return regionOf(machine.state.config.memoryMap, pa)?.gpi;
}

/** True when `pa` is in a region the host may delegate (DRAM on the default board). */
export function isDelegable(machine: MachineView, pa: number): boolean {
  return regionOf(machine.state.config.memoryMap, pa)?.delegable ?? false;
}

/** Host memory accesses (`mem:access` by the host) with the given op and verdict. */
export function hostAccesses(
  ledger: readonly LedgerEvent[],
  op: 'read' | 'write',
  verdict: 'allowed' | 'blocked',
): LedgerEventOf<'mem:access'>[] {
  return eventsOf(ledger, 'mem:access').filter(
    (e) => e.actor === 'host' && e.op === op && e.decision.verdict === verdict,
  );
}

/**
 * The host's allowed reads other than its VMM's device emulation. To send what a realm put in
 * its console or network buffer, the VMM reads the buffer and the device's `flow` follows at
 * once, from that address and of that length (host/devices.ts `deviceSend`); such a read is
 * the device at work, not a read the host made by hand (the `read` a lesson asks for).
 */
export function hostReadsBesidesDevices(
  ledger: readonly LedgerEvent[],
): LedgerEventOf<'mem:access'>[] {
  const reads: LedgerEventOf<'mem:access'>[] = [];
  ledger.forEach((e, i) => {
    if (e.kind !== 'mem:access' || e.actor !== 'host' || e.op !== 'read') return;
    if (e.decision.verdict !== 'allowed') return;
    const next = ledger[i + 1];
    const sent =
      next?.kind === 'flow' &&
      (next.channel === 'console' || next.channel === 'network') &&
      next.source.kind === 'memory' &&
      next.source.address === e.pa &&
      next.bytes === e.len;
    if (!sent) reads.push(e);
  });
  return reads;
}

/** Refused SMC returns of the named commands, with their failure labels. */
export function refusals(
  ledger: readonly LedgerEvent[],
  names: readonly string[],
): (LedgerEventOf<'smc:return'> & { failure: { label: string; reason: string } })[] {
  return eventsOf(ledger, 'smc:return').filter(
    (e): e is LedgerEventOf<'smc:return'> & { failure: { label: string; reason: string } } =>
      names.includes(e.name) && e.failure !== undefined,
  );
}

/** Lists items as `a, b and c`. */
export function listWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** `1 byte`, `9 bytes`. */
export function bytesWord(n: number): string {
  return `${n} byte${n === 1 ? '' : 's'}`;
}

/**
 * The realms whose protected memory (DATA granules) holds bytes labelled `label`, by RD PA.
 * A state query: the labels are where the machine's loads and stores put them.
 */
export function realmsHolding(machine: MachineView, label: string): number[] {
  const rds = new Set<number>();
  for (const [index, runs] of Object.entries(machine.state.labels ?? {})) {
    if (!runs.some(([, , l]) => l === label)) continue;
    const g = machine.granuleOf(granuleBase(Number(index)));
    if (g.state === 'DATA' && g.realm !== undefined) rds.add(g.realm);
  }
  return [...rds].sort((a, b) => a - b);
}

/**
 * The way back, for a goal detail whose goal a step the learner took has made unreachable
 * (activating a realm before loading it): Undo and Reset are what the page offers, and a
 * learner who is not told keeps typing commands the RMM can only refuse.
 */
export function wayBack(step: string): string {
  return `Undo (Alt+Z) back before ${step}, or Reset lesson`;
}
