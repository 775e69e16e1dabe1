/**
 * The devices the lab's VMM emulates for its realms: a console and, for realms given one, a
 * network device (guest/layout.ts places them in the unprotected IPA half). A device is
 * rung by an emulatable MMIO write of a length to its doorbell; the VMM then reads that many
 * bytes from the shared buffer page (NS memory, so the host reads it like any of its own
 * pages) and sends them out. The output is a provenance sink (mica-spec.md §1.3): every send
 * is a ledger `flow` carrying the labels of the bytes that left.
 *
 * The network device is also the lab's declared source of sensitive input (mica-spec.md
 * §5.1: the tenant's video enters at the gateway): the tenant queues a packet for a realm
 * ({@link tenantSend}); when the guest reads the device's doorbell, the VMM puts the packet in
 * the shared buffer and the device labels those bytes with the label the tenant declared
 * (provenance.ts `labelAtSource`). The guest copies them into its memory with its own loads
 * and stores, so the label travels with the bytes from there. Simplification: the lab does not
 * model the transport encryption a real tenant would use to the attested gateway, so the
 * packet is plaintext in the buffer; its arrival is the input, not a leak.
 */
import { fromHex, fromUtf8, toHex } from '../../lib/bytes.ts';
import { GRANULE_SIZE } from '../abi/gpt.ts';
import type { Machine } from '../machine.ts';
import { labelsIn } from '../hw/labels.ts';
import { NS_MEMORY } from '../provenance.ts';
import type { HostDeviceName, HostRealm } from './state.ts';

/** The label the tenant's input carries unless it declares another (mica-spec.md §5.1). */
export const TENANT_INPUT_LABEL = 'video';
/** Largest packet the network device delivers at once (its shared buffer page). */
export const NET_PACKET_MAX = GRANULE_SIZE;

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
  machine.hostIo.deviceOutput({
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

/** Why a tenant packet could not be queued. */
export type TenantSendError = 'no-realm' | 'no-net' | 'empty' | 'too-long';

/**
 * The tenant sends `bytes` to realm `realm`'s network device, declaring them `label`: the
 * packet waits in the VMM until the guest receives it. Returns the queue length or an error.
 */
export function tenantSend(
  realm: HostRealm | undefined,
  bytes: Uint8Array,
  label: string = TENANT_INPUT_LABEL,
):
  | { readonly ok: true; readonly waiting: number }
  | { readonly ok: false; readonly error: TenantSendError } {
  if (!realm) return { ok: false, error: 'no-realm' };
  if (!realm.net) return { ok: false, error: 'no-net' };
  if (bytes.length === 0) return { ok: false, error: 'empty' };
  if (bytes.length > NET_PACKET_MAX) return { ok: false, error: 'too-long' };
  (realm.inbox ??= []).push({ data: toHex(bytes), label });
  return { ok: true, waiting: realm.inbox.length };
}

/**
 * The VMM handles a read of the network doorbell: it writes the next tenant packet into the
 * shared buffer at host PA `buffer`, the device labels it there (the declared source), and
 * the length is the value the guest reads. 0 when nothing waits or the buffer is not mapped.
 */
export function deviceReceive(
  machine: Machine,
  realm: HostRealm,
  buffer: number | undefined,
  bufferIpa: number,
): number {
  const packet = realm.inbox?.[0];
  if (buffer === undefined || !packet) return 0;
  const bytes = fromHex(packet.data) ?? new Uint8Array(0);
  if (!machine.write(buffer, bytes).ok) return 0;
  realm.inbox!.shift();
  machine.hostIo.declaredInput({
    pa: buffer,
    bytes: bytes.length,
    label: packet.label,
    channel: 'tenant-input',
    source: { kind: 'network', name: 'tenant' },
    destination: { kind: 'realm', name: realm.name, address: bufferIpa },
  });
  return bytes.length;
}
