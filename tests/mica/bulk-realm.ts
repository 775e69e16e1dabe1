/**
 * Test helper for the bulk guest memory tests (tests/mica/bulk.test.ts,
 * translation-cache.test.ts): one CCA-only realm built by the workflows' host, with a network
 * device, a console page and 4 pages of private RAM, on the programmable guest.
 */
import { abi } from '../../src/emulator/index.ts';
import { createMicaMachine } from '../../src/policy/monitor/extension.ts';
import { programGuest, type GuestOp } from '../../src/workflows/guest.ts';
import { MicaHost, NET_IPA, NET_PAYLOAD_OFFSET } from '../../src/workflows/host.ts';

/** The granule size. */
export const G = abi.GRANULE_SIZE;
/** Where a packet's payload lands in the receive buffer. */
export const INPUT = NET_IPA + NET_PAYLOAD_OFFSET;

/**
 * The realm, its machine and host; `exec(ops)` appends ops to its program and runs it (the
 * guest's scratch and the first new op's index back), `pa(ipa)` is where an IPA maps.
 */
export function bulkRealm() {
  const guest = programGuest();
  const m = createMicaMachine({ mode: 'cca', guest });
  const host = new MicaHost(m);
  const h = host.createRealm({ name: 'app', bars: [], net: true, ram: 4 * G, micaSetup: false });
  const exec = (ops: readonly GuestOp[]) => {
    const at = guest.program(h.rd).length;
    guest.add(h.rd, ops);
    host.run(h);
    return { g: host.recOf(h).guest, at };
  };
  const pa = (ipa: number) => {
    const r = m.smc(abi.SMC_RMI_RTT_READ_ENTRY, h.rd, ipa - (ipa % G), 3);
    return Number(r.x[3]! & 0xffff_ffff_f000n) + (ipa % G);
  };
  return { m, host, h, guest, exec, pa };
}
