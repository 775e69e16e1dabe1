/**
 * The video the moderation workflow really moves and computes on (mica-spec.md §5.1 (a);
 * issue 12 "Realm applications that compute"): a small synthetic RGB video generated
 * deterministically in code, the encoder's transcode (2×2 downsample and re-quantisation to
 * 4 bits per channel, packed), and the moderator's detector (the share of skin-tone pixels of a
 * frame) with its sanitiser (unsafe frames are pixelated) and per-frame verdict.
 *
 * Design rationale: pure functions of bytes, with no label anywhere: the realm programs of
 * `video.ts` run them inside the machine through the guest's bulk `map` op (whose output
 * inherits the labels of everything it read), and tests run the same functions outside the
 * machine as the reference the stored result must equal. Dimensions are the lab's choice
 * (small enough that 24 frames fit one 256 KiB object of §5.1), named here once.
 */

/** Width of a raw frame in pixels. */
export const FRAME_WIDTH = 64;
/** Height of a raw frame in pixels. */
export const FRAME_HEIGHT = 36;
/** Colour channels per pixel (R, G, B). */
export const CHANNELS = 3;
/** Frames of the tenant's video. */
export const FRAME_COUNT = 24;
/** Bytes of one raw frame (RGB, 8 bits per channel, row-major). */
export const RAW_FRAME_BYTES = FRAME_WIDTH * FRAME_HEIGHT * CHANNELS;

/** The encoder's downsampling factor in each direction. */
export const DOWNSAMPLE = 2;
/** Width and height of an encoded frame. */
export const ENCODED_WIDTH = FRAME_WIDTH / DOWNSAMPLE;
export const ENCODED_HEIGHT = FRAME_HEIGHT / DOWNSAMPLE;
/** Bits per channel after re-quantisation. */
export const QUANT_BITS = 4;
/** Bytes of one encoded frame: two 4-bit samples per byte. */
export const ENCODED_FRAME_BYTES = (ENCODED_WIDTH * ENCODED_HEIGHT * CHANNELS * QUANT_BITS) / 8;

/** Bytes of a verdict: [unsafe 0/1, skin share in per mille (u16 LE), reserved]. */
export const VERDICT_BYTES = 4;
/** One moderated record: the verdict, then the (possibly pixelated) encoded frame. */
export const MODERATED_RECORD_BYTES = VERDICT_BYTES + ENCODED_FRAME_BYTES;
/** A frame is unsafe when at least this share of its pixels (per mille) is skin tone. */
export const UNSAFE_PER_MILLE = 50;
/** Side of the square blocks an unsafe frame is pixelated into (encoded pixels). */
export const PIXELATE_BLOCK = 6;

/** Frames of the synthetic video that show a large skin-tone region (the detector flags them). */
export const MARKED_FRAMES: readonly number[] = [3, 4, 9, 15, 16, 22];
/** Frames with a small skin-tone patch, below the threshold (the detector must not flag them). */
export const SPECK_FRAMES: readonly number[] = [6, 12];

/** The skin tone of the marked regions (RGB). */
const SKIN = [224, 172, 140] as const;

/**
 * Frame `f` of the synthetic video: a moving blue-green gradient (red kept below 128, so
 * never skin), a bright square bouncing along, and in the marked frames a skin-tone
 * rectangle covering a sixth of the picture.
 */
export function syntheticFrame(f: number): Uint8Array {
  const out = new Uint8Array(RAW_FRAME_BYTES);
  const square = (f * 5) % (FRAME_WIDTH - 8);
  const big = MARKED_FRAMES.includes(f);
  const speck = SPECK_FRAMES.includes(f);
  for (let y = 0; y < FRAME_HEIGHT; y++) {
    for (let x = 0; x < FRAME_WIDTH; x++) {
      const o = (y * FRAME_WIDTH + x) * CHANNELS;
      let r = (x * 2 + f * 3) & 0x7f;
      let g = (y * 5 + f * 7 + 64) & 0xff;
      let b = (x * 3 + y * 2 + f * 11 + 128) & 0xff;
      if (x >= square && x < square + 8 && y >= 2 && y < 10) r = g = b = 250;
      const inBig = big && x >= 20 + (f % 8) && x < 44 + (f % 8) && y >= 14 && y < 30;
      const inSpeck = speck && x >= 40 && x < 44 && y >= 20 && y < 24;
      if (inBig || inSpeck) {
        r = SKIN[0];
        g = SKIN[1];
        b = SKIN[2];
      }
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
    }
  }
  return out;
}

/** The tenant's whole video: {@link FRAME_COUNT} raw frames back to back. */
export function syntheticVideo(frames = FRAME_COUNT): Uint8Array {
  const out = new Uint8Array(frames * RAW_FRAME_BYTES);
  for (let f = 0; f < frames; f++) out.set(syntheticFrame(f), f * RAW_FRAME_BYTES);
  return out;
}

/** Packs 4-bit samples two per byte (low nibble first). */
function pack(samples: Uint8Array): Uint8Array {
  const out = new Uint8Array(samples.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = samples[2 * i]! | (samples[2 * i + 1]! << 4);
  return out;
}

/** Unpacks {@link pack}. */
function unpack(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length * 2);
  for (let i = 0; i < bytes.length; i++) {
    out[2 * i] = bytes[i]! & 0xf;
    out[2 * i + 1] = bytes[i]! >> 4;
  }
  return out;
}

/** The encoder's transcode of one raw frame: 2×2 box downsample, 4-bit re-quantise, pack. */
export function encodeFrame(raw: Uint8Array, at = 0): Uint8Array {
  const samples = new Uint8Array(ENCODED_WIDTH * ENCODED_HEIGHT * CHANNELS);
  const rowBytes = FRAME_WIDTH * CHANNELS;
  const area = DOWNSAMPLE * DOWNSAMPLE;
  const shift = 8 - QUANT_BITS;
  // Samples in (y, x, channel) order, so the output index only counts up.
  let o = 0;
  for (let y = 0; y < ENCODED_HEIGHT; y++) {
    const top = at + y * DOWNSAMPLE * rowBytes;
    for (let x = 0; x < ENCODED_WIDTH; x++) {
      const corner = top + x * DOWNSAMPLE * CHANNELS;
      for (let c = 0; c < CHANNELS; c++) {
        const p = corner + c;
        let sum: number;
        if (DOWNSAMPLE === 2) {
          // The lab's 2×2 box: four samples, no inner loops.
          sum = raw[p]! + raw[p + CHANNELS]! + raw[p + rowBytes]! + raw[p + rowBytes + CHANNELS]!;
        } else {
          sum = 0;
          for (let dy = 0; dy < DOWNSAMPLE; dy++)
            for (let dx = 0; dx < DOWNSAMPLE; dx++) sum += raw[p + dy * rowBytes + dx * CHANNELS]!;
        }
        // Non-negative: the shift truncates, which is the floor of the mean, re-quantised.
        samples[o++] = (sum / area) >> shift;
      }
    }
  }
  return pack(samples);
}

/** True when an encoded pixel (4-bit channels) is skin tone. */
function isSkin(r: number, g: number, b: number): boolean {
  return r >= 12 && g >= 8 && g <= 12 && b >= 6 && b <= 10 && r > g && g > b;
}

/** The detector: per mille of the encoded frame's pixels that are skin tone. */
export function skinPerMille(encoded: Uint8Array): number {
  const s = unpack(encoded);
  let skin = 0;
  const pixels = ENCODED_WIDTH * ENCODED_HEIGHT;
  for (let p = 0; p < pixels; p++)
    if (isSkin(s[p * CHANNELS]!, s[p * CHANNELS + 1]!, s[p * CHANNELS + 2]!)) skin++;
  return Math.floor((skin * 1000) / pixels);
}

/** Pixelates an encoded frame: every block becomes its mean colour. */
function pixelate(encoded: Uint8Array): Uint8Array {
  const s = unpack(encoded);
  for (let by = 0; by < ENCODED_HEIGHT; by += PIXELATE_BLOCK) {
    for (let bx = 0; bx < ENCODED_WIDTH; bx += PIXELATE_BLOCK) {
      const ys = Math.min(PIXELATE_BLOCK, ENCODED_HEIGHT - by);
      const xs = Math.min(PIXELATE_BLOCK, ENCODED_WIDTH - bx);
      for (let c = 0; c < CHANNELS; c++) {
        let sum = 0;
        for (let y = by; y < by + ys; y++)
          for (let x = bx; x < bx + xs; x++) sum += s[(y * ENCODED_WIDTH + x) * CHANNELS + c]!;
        const mean = Math.floor(sum / (xs * ys));
        for (let y = by; y < by + ys; y++)
          for (let x = bx; x < bx + xs; x++) s[(y * ENCODED_WIDTH + x) * CHANNELS + c] = mean;
      }
    }
  }
  return pack(s);
}

/**
 * The moderator on one encoded frame: its record (verdict, then the frame, pixelated when
 * the skin share reaches {@link UNSAFE_PER_MILLE}).
 */
export function moderateFrame(encoded: Uint8Array): Uint8Array {
  const share = skinPerMille(encoded);
  const unsafe = share >= UNSAFE_PER_MILLE;
  const out = new Uint8Array(MODERATED_RECORD_BYTES);
  out[0] = unsafe ? 1 : 0;
  out[1] = share & 0xff;
  out[2] = share >> 8;
  out.set(unsafe ? pixelate(encoded) : encoded, VERDICT_BYTES);
  return out;
}

/** Encodes every raw frame of `raw` (frames back to back). */
export function encodeFrames(raw: Uint8Array): Uint8Array {
  const n = Math.floor(raw.length / RAW_FRAME_BYTES);
  const out = new Uint8Array(n * ENCODED_FRAME_BYTES);
  for (let f = 0; f < n; f++)
    out.set(encodeFrame(raw, f * RAW_FRAME_BYTES), f * ENCODED_FRAME_BYTES);
  return out;
}

/** Moderates every encoded frame of `encoded` into records back to back. */
export function moderateFrames(encoded: Uint8Array): Uint8Array {
  const n = Math.floor(encoded.length / ENCODED_FRAME_BYTES);
  const out = new Uint8Array(n * MODERATED_RECORD_BYTES);
  for (let f = 0; f < n; f++) {
    const frame = encoded.subarray(f * ENCODED_FRAME_BYTES, (f + 1) * ENCODED_FRAME_BYTES);
    out.set(moderateFrame(frame), f * MODERATED_RECORD_BYTES);
  }
  return out;
}

/** A moderated record, read back. */
export interface ModeratedFrame {
  readonly unsafe: boolean;
  readonly perMille: number;
  readonly frame: Uint8Array;
}

/** Splits moderated records. */
export function splitRecords(records: Uint8Array): ModeratedFrame[] {
  const out: ModeratedFrame[] = [];
  for (let at = 0; at + MODERATED_RECORD_BYTES <= records.length; at += MODERATED_RECORD_BYTES) {
    out.push({
      unsafe: records[at] === 1,
      perMille: records[at + 1]! | (records[at + 2]! << 8),
      frame: records.slice(at + VERDICT_BYTES, at + MODERATED_RECORD_BYTES),
    });
  }
  return out;
}
