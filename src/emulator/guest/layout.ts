/**
 * The lab guest's IPA map. NOT part of any Arm specification: like a QEMU `virt` machine,
 * it is a convention between the lab's VMM (host/vmm.ts) and the lab's guest model
 * (guest/model.ts). cca-spec.md §4.3: protected IPAs (below 2^(w-1)) hold the realm's private
 * RAM; host-emulated devices and shared buffers live in the unprotected half, where every
 * byte is host-visible. mica-spec.md §3.4: protected shared windows (ivshmem BARs) sit at
 * 0x180_0000_0000 + n * 0x400_0000 in the protected half of a 42-bit IPA space; the guest
 * never allocates there, so the Mica monitor can map them.
 *
 * Private RAM, from IPA 0: the measured image (page 0), the RsiHostCall block, the
 * RsiRealmConfig page, the attestation token buffer, then free memory for programs.
 * Unprotected half, offsets from 2^(w-1): each device has an MMIO doorbell (never mapped,
 * so every access is an emulatable exit) and one shared buffer page (mapped by the VMM on
 * first touch with RMI_RTT_MAP_UNPROTECTED).
 */
import { GRANULE_SIZE } from '../abi/gpt.ts';

/** IPA of the measured image (and the REC's entry point). */
export const GUEST_IMAGE_IPA = 0x0000;
/** IPA of the guest's RsiHostCall block (256-byte aligned). */
export const GUEST_HOST_CALL_IPA = 0x1000;
/** IPA of the page RSI_REALM_CONFIG writes. */
export const GUEST_CONFIG_IPA = 0x2000;
/** IPA of the page RSI_ATTESTATION_TOKEN_CONTINUE writes the token into. */
export const GUEST_TOKEN_IPA = 0x3000;
/** First IPA of memory free for programs and the learner. */
export const GUEST_FREE_IPA = 0x4000;
/** Default and smallest RAM size in pages. */
export const GUEST_DEFAULT_RAM_PAGES = 16;
export const GUEST_MIN_RAM_PAGES = 5;
/** Largest RAM a lab realm gets (one level 3 RTT: 2 MiB). */
export const GUEST_MAX_RAM_PAGES = 512;
/** Default IPA width of lab realms: 42 bits, so the Mica windows fit (mica-spec.md §3.4). */
export const GUEST_DEFAULT_IPA_WIDTH = 42;

/** Protected shared windows reserved for Mica: base, stride and count. */
export const MICA_WINDOW_BASE = 0x180_0000_0000;
export const MICA_WINDOW_STRIDE = 0x400_0000;
export const MICA_WINDOW_COUNT = 8;

/** Offsets in the unprotected half of the device registers and buffers. */
export const CONSOLE_DOORBELL_OFFSET = 0x0900_0000;
export const CONSOLE_BUFFER_OFFSET = 0x0901_0000;
export const NET_DOORBELL_OFFSET = 0x0a00_0000;
export const NET_BUFFER_OFFSET = 0x0a01_0000;

/** A device of the guest: where its doorbell and shared buffer are. */
export interface GuestDevice {
  readonly name: 'console' | 'net';
  /** MMIO doorbell (unprotected IPA, emulated by the host): write the length to send. */
  readonly doorbell: number;
  /** Shared buffer page (unprotected IPA, NS memory): the bytes to send. */
  readonly buffer: number;
}

/** The IPA map of a guest with `ramPages` of RAM in a `ipaWidth`-bit IPA space. */
export interface GuestLayout {
  readonly ipaWidth: number;
  /** First unprotected IPA, 2^(w-1). */
  readonly unprotected: number;
  readonly ram: { readonly base: number; readonly top: number };
  readonly devices: readonly GuestDevice[];
  /** Protected shared windows kept free for Mica (only those inside the protected half). */
  readonly micaWindows: readonly { readonly base: number; readonly size: number }[];
}

/** Builds the layout. */
export function guestLayout(ipaWidth: number, ramPages: number, net: boolean): GuestLayout {
  const unprotected = 2 ** (ipaWidth - 1);
  const devices: GuestDevice[] = [
    {
      name: 'console',
      doorbell: unprotected + CONSOLE_DOORBELL_OFFSET,
      buffer: unprotected + CONSOLE_BUFFER_OFFSET,
    },
  ];
  if (net) {
    devices.push({
      name: 'net',
      doorbell: unprotected + NET_DOORBELL_OFFSET,
      buffer: unprotected + NET_BUFFER_OFFSET,
    });
  }
  const micaWindows = Array.from({ length: MICA_WINDOW_COUNT }, (_, n) => ({
    base: MICA_WINDOW_BASE + n * MICA_WINDOW_STRIDE,
    size: MICA_WINDOW_STRIDE,
  })).filter((w) => w.base + w.size <= unprotected);
  return {
    ipaWidth,
    unprotected,
    ram: { base: GUEST_IMAGE_IPA, top: ramPages * GRANULE_SIZE },
    devices,
    micaWindows,
  };
}

/** The device whose doorbell or buffer page contains `ipa`. */
export function deviceAt(
  layout: GuestLayout,
  ipa: number,
): { readonly device: GuestDevice; readonly part: 'doorbell' | 'buffer' } | undefined {
  const page = ipa - (ipa % GRANULE_SIZE);
  for (const device of layout.devices) {
    if (page === device.doorbell) return { device, part: 'doorbell' };
    if (page === device.buffer) return { device, part: 'buffer' };
  }
  return undefined;
}
