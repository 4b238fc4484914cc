// Bit-field BMPs: 16-bit ones (5-5-5 unless the header gives masks, often 5-6-5) and 32-bit ones whose
// masks are not the usual 8-8-8 (an RGBA byte order, 10-10-10). Each pixel's channels are pulled out of
// its word by mask and shift, which no native step here does, so the rows are unpacked in JavaScript,
// in the service's slices (runtime/in-slices.ts), a row a step.
import { runInSlices, SLICE_MS } from '../runtime/in-slices.js';

/** Which bits of a pixel's word hold each colour; alpha, if any, is not read. */
export interface ColourMasks {
  red: number;
  green: number;
  blue: number;
}

/** What a 16-bit BMP without masks holds: 5 bits a channel, the top bit unused. */
export const RGB555: Readonly<ColourMasks> = Object.freeze({ red: 0x7c00, green: 0x03e0, blue: 0x001f });

/** A channel's place in the word: read as (word >>> shift) & (2^bits − 1). */
interface Field {
  shift: number;
  bits: number;
}

/** Widest channel read, so that a channel's look-up table has 2^16 entries at most: common masks are 5 or 6 bits wide (16-bit) and 8 or 10 (32-bit). */
const MAX_FIELD_BITS = 16;

/** The mask's one run of set bits, or undefined when it has none, several, or more than MAX_FIELD_BITS. */
function fieldOf(mask: number): Field | undefined {
  if (mask === 0) return undefined;
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  let bits = 0;
  while (shift + bits < 32 && ((mask >>> (shift + bits)) & 1) === 1) bits++;
  if (shift + bits < 32 && mask >>> (shift + bits) !== 0) return undefined;
  return bits <= MAX_FIELD_BITS ? { shift, bits } : undefined;
}

/** True when each mask is one run of at most 16 bits that fits in a pixel's word, so that the pixels can be read. */
export function readableMasks(masks: ColourMasks, bitsPerPixel: 16 | 32): boolean {
  return [masks.red, masks.green, masks.blue].every((mask) => fieldOf(mask) !== undefined && (bitsPerPixel === 32 || mask >>> 16 === 0));
}

export interface MaskedImage {
  width: number;
  height: number;
  bitsPerPixel: 16 | 32;
  bottomUp: boolean;
  pixelOffset: number;
  rowStride: number;
  masks: ColourMasks;
}

/**
 * The pixels as interleaved RGB, top row first, each channel scaled to 0–255 (a 5-bit 31 is 255). The
 * caller has checked that the rows are within `bytes` and the masks readable. The event loop gets a
 * turn once a slice has held it `sliceMs`.
 */
export function maskedRgb(bytes: Uint8Array, image: MaskedImage, sliceMs = SLICE_MS): Promise<Uint8Array> {
  return runInSlices(maskedRgbRows(bytes, image), sliceMs);
}

function* maskedRgbRows(bytes: Uint8Array, { width, height, bitsPerPixel, bottomUp, pixelOffset, rowStride, masks }: MaskedImage): Generator<void, Uint8Array> {
  const fields = [masks.red, masks.green, masks.blue].map((mask) => fieldOf(mask)!);
  // Each channel's values scaled to 8 bits, rounded: one look-up a channel a pixel.
  const tables = fields.map(({ bits }) => {
    const max = 2 ** bits - 1;
    return Uint8Array.from({ length: max + 1 }, (_, v) => Math.round((v * 255) / max));
  });
  const [red, green, blue] = fields;
  const [redTable, greenTable, blueTable] = tables;
  const words = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Uint8Array(width * height * 3);
  const step = bitsPerPixel / 8;
  for (let y = 0; y < height; y++) {
    let at = pixelOffset + (bottomUp ? height - 1 - y : y) * rowStride;
    let o = y * width * 3;
    for (let x = 0; x < width; x++, at += step) {
      const word = step === 2 ? words.getUint16(at, true) : words.getUint32(at, true);
      out[o++] = redTable[(word >>> red.shift) & ((1 << red.bits) - 1)];
      out[o++] = greenTable[(word >>> green.shift) & ((1 << green.bits) - 1)];
      out[o++] = blueTable[(word >>> blue.shift) & ((1 << blue.bits) - 1)];
    }
    yield;
  }
  return out;
}
