/**
 * The lab guest's boot image: one 4 KiB page the VMM loads at IPA 0 with RMI_DATA_CREATE
 * (measured, so the RIM says which application and configuration the realm runs), starting
 * with a one-line header the guest reads at boot. NOT an Arm format; a stand-in for a
 * kernel image plus its device tree.
 */
import { GRANULE_SIZE } from '../abi/gpt.ts';
import { fromUtf8, utf8 } from '../../lib/bytes.ts';

/** Magic that starts every image header. */
export const GUEST_IMAGE_MAGIC = 'MICA-LAB-GUEST/1';
/** Bytes of the image the guest reads at boot (the header must fit). */
export const GUEST_IMAGE_HEADER_SIZE = 64;

/** What an image tells the guest. */
export interface GuestImageInfo {
  /** Application to run (guest/apps.ts registry). */
  readonly app: string;
  readonly ramPages: number;
  readonly net: boolean;
}

/** Builds the image page for `info`. */
export function buildGuestImage(info: GuestImageInfo): Uint8Array {
  const header = `${GUEST_IMAGE_MAGIC} app=${info.app} ram=${info.ramPages} net=${info.net ? 1 : 0}\n`;
  const bytes = utf8(header);
  if (bytes.length > GUEST_IMAGE_HEADER_SIZE)
    throw new RangeError(`image header too long: ${header}`);
  const page = new Uint8Array(GRANULE_SIZE);
  page.set(bytes);
  return page;
}

/** Reads an image header; undefined when the bytes are not a lab guest image. */
export function parseGuestImage(bytes: Uint8Array): GuestImageInfo | undefined {
  const text = fromUtf8(bytes.subarray(0, GUEST_IMAGE_HEADER_SIZE)).split('\n')[0] ?? '';
  const m = /^MICA-LAB-GUEST\/1 app=([a-z0-9-]+) ram=(\d+) net=([01])$/.exec(text);
  if (!m) return undefined;
  return { app: m[1]!, ramPages: Number(m[2]), net: m[3] === '1' };
}
