/**
 * The devices the lab's VMM emulates for its realms: a console and, for realms given one, a
 * network device (guest/layout.ts places them in the unprotected IPA half). A device is
 * rung by an emulatable MMIO write of a length to its doorbell; the VMM then reads that many
 * bytes from the shared buffer page (NS memory, so the host reads it like any of its own
 * pages) and sends them out. The output is a provenance sink (mica-spec.md §1.3): every send
 * is a ledger `flow` carrying the labels of the bytes that left.
 */
import { fromUtf8 } from '../../lib/bytes.ts';
import type { Machine } from '../machine.ts';
import { labelsIn } from '../hw/labels.ts';
import { NS_MEMORY, reportFlow } from '../provenance.ts';
import type { HostDeviceName, HostRealm } from './state.ts';

/** Most bytes a device keeps as console history. */
const CONSOLE_HISTORY = 16 * 1024;

/** What a device send produced. */
export interface DeviceOutput {
  readonly device: HostDeviceName;
  readonly text: string;
  readonly labels: readonly string[];
}

/**
 * The VMM handles a doorbell write of `length` for `device` of `realm`: it reads the shared
 * buffer at host PA `buffer` and sends the bytes out. Undefined when the buffer is unreadable.
 */
export function deviceSend(
  machine: Machine,
  realm: HostRealm,
  device: HostDeviceName,
  buffer: number | undefined,
  length: number,
): DeviceOutput | undefined {
  if (buffer === undefined) return undefined;
  const read = machine.read(buffer, length);
  if (!read.ok) return undefined;
  const text = fromUtf8(read.bytes);
  const labels = labelsIn(machine.state, buffer, length);
  const console = device === 'console';
  reportFlow(machine.ctx, {
    channel: console ? 'console' : 'network',
    source: { kind: 'memory', name: NS_MEMORY, address: buffer },
    destination: console
      ? { kind: 'console', name: `${realm.name} console` }
      : { kind: 'network', name: `${realm.name} network` },
    bytes: length,
    labels,
  });
  if (console) realm.console = (realm.console + text).slice(-CONSOLE_HISTORY);
  else realm.network.push(text);
  return { device, text, labels };
}
