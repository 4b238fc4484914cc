// Bit-field BMPs are read: 16-bit ones (5-5-5 without masks, 5-6-5 with them) and 32-bit ones with masks
// other than 8-8-8, in either row order; masks that are not one run of bits are refused by name, a file
// cut short is named as damaged, and a large file gives the event loop turns while it is unpacked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRgb, probeImage } from '../../src/vision/decode.js';
import { maskedRgb, RGB555, type ColourMasks } from '../../src/vision/bmp-masks.js';
import { turnsWhile } from '../event-loop-turns.js';
import { bmpFile, writeMasks } from './bmp-file.js';

const ref = (name: string, bytes: Uint8Array) => ({ name, bytes });

/** A channel value of `bits` bits scaled to 0–255, rounded: 31 of 5 bits is 255, 16 is 132. */
const scaled = (value: number, bits: number) => Math.round((value * 255) / (2 ** bits - 1));

interface Pixel {
  /** Channel values before scaling, at their fields' widths. */
  r: number;
  g: number;
  b: number;
}

const shiftOf = (mask: number) => Math.log2(mask & -mask);
const bitsOf = (mask: number) => (mask >>> shiftOf(mask)).toString(2).length;

/**
 * A BMP of `pixels` (rows top first), from the format's description: BITMAPINFOHEADER (40 bytes) and then
 * the three masks when `compression` is 3 (BI_BITFIELDS), or a BITMAPV5HEADER (124 bytes) that holds them
 * at the same place; rows padded to 4 bytes, bottom row first unless `topDown`.
 */
function maskedBmp(pixels: Pixel[][], bits: 16 | 32, masks: ColourMasks, { compression = 3, topDown = false, headerSize = 40 } = {}): Buffer {
  const height = pixels.length;
  const width = pixels[0].length;
  const stride = Math.ceil((width * bits) / 32) * 4;
  const data = Buffer.alloc(stride * height);
  pixels.forEach((row, y) => {
    const at = (topDown ? y : height - 1 - y) * stride;
    row.forEach(({ r, g, b }, x) => {
      const word = ((r << shiftOf(masks.red)) | (g << shiftOf(masks.green)) | (b << shiftOf(masks.blue))) >>> 0;
      if (bits === 16) data.writeUInt16LE(word & 0xffff, at + x * 2); // a mask past the word (a test of refusal) reads nothing
      else data.writeUInt32LE(word, at + x * 4);
    });
  });
  const masksAfterHeader = new Uint8Array(compression === 3 && headerSize === 40 ? 12 : 0);
  const file = bmpFile({ width, height, topDown, bits, compression, headerSize }, masksAfterHeader, data);
  if (compression === 3) writeMasks(file, [masks.red, masks.green, masks.blue]);
  return file;
}

/** `width`×`height` pixels whose channel values run over their fields' ranges, including 0 and the maximum. */
function gradient(width: number, height: number, masks: ColourMasks): Pixel[][] {
  const [rMax, gMax, bMax] = [masks.red, masks.green, masks.blue].map((m) => 2 ** bitsOf(m) - 1);
  return Array.from({ length: height }, (_, y) => Array.from({ length: width }, (_, x) => ({ r: (x * 7 + y) % (rMax + 1), g: (x * 3 + y * 5) % (gMax + 1), b: x === 0 ? bMax : (y * 11 + x) % (bMax + 1) })));
}

const expectedRgb = (pixels: Pixel[][], masks: ColourMasks) => pixels.flat().flatMap(({ r, g, b }) => [scaled(r, bitsOf(masks.red)), scaled(g, bitsOf(masks.green)), scaled(b, bitsOf(masks.blue))]);

const RGB565: ColourMasks = { red: 0xf800, green: 0x07e0, blue: 0x001f };

test('16-bit BMPs, 5-5-5 without masks and 5-6-5 with them, in either row order, decode to their colours', async () => {
  // Width 3: a 16-bit row is 6 bytes, padded to 8.
  for (const [name, masks, compression] of [
    ['rgb555.bmp', RGB555, 0],
    ['rgb555-masks.bmp', RGB555, 3],
    ['rgb565.bmp', RGB565, 3],
  ] as const) {
    for (const topDown of [false, true]) {
      const pixels = gradient(3, 5, masks);
      const bytes = maskedBmp(pixels, 16, masks, { compression, topDown });
      const image = await decodeRgb(ref(name, bytes));
      assert.deepEqual([image.width, image.height], [3, 5], name);
      assert.deepEqual([...image.data], expectedRgb(pixels, masks), `${name}${topDown ? ', top-down' : ''}`);
    }
  }
  // The ends of the scale: a 5-bit 31 is 255, a 6-bit 63 is 255, 0 is 0, a 5-bit 16 is 132.
  const ends = await decodeRgb(ref('ends.bmp', maskedBmp([[{ r: 31, g: 63, b: 0 }, { r: 16, g: 0, b: 31 }]], 16, RGB565)));
  assert.deepEqual([...ends.data], [255, 255, 0, 132, 0, 255]);
});

test('32-bit BMPs with other masks than 8-8-8 (RGBA byte order, 10-10-10, red in the top byte) decode to their colours', async () => {
  const rgba: ColourMasks = { red: 0x000000ff, green: 0x0000ff00, blue: 0x00ff0000 };
  const tenBits: ColourMasks = { red: 0x3ff00000, green: 0x000ffc00, blue: 0x000003ff };
  const redOnTop: ColourMasks = { red: 0xff000000, green: 0x00ff0000, blue: 0x0000ff00 }; // bit 31 in a mask
  for (const [name, masks] of [
    ['rgba.bmp', rgba],
    ['ten.bmp', tenBits],
    ['top.bmp', redOnTop],
  ] as const) {
    for (const topDown of [false, true]) {
      const pixels = gradient(4, 3, masks);
      const image = await decodeRgb(ref(name, maskedBmp(pixels, 32, masks, { topDown })));
      assert.deepEqual([...image.data], expectedRgb(pixels, masks), `${name}${topDown ? ', top-down' : ''}`);
    }
  }
});

test('masks inside a V5 header are read from the same place', async () => {
  const pixels = gradient(5, 2, RGB565);
  const image = await decodeRgb(ref('v5.bmp', maskedBmp(pixels, 16, RGB565, { headerSize: 124 })));
  assert.deepEqual([...image.data], expectedRgb(pixels, RGB565));
});

test('masks that are not one run of bits, or reach past a 16-bit word, are refused by name; a cut file is named damaged', async () => {
  const pixels = gradient(2, 2, RGB565);
  const refused = async (name: string, bytes: Uint8Array, message: RegExp) =>
    assert.rejects(probeImage(ref(name, bytes)), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ECM_ERR_IMAGE_CORRUPT');
      assert.match(err.message, message);
      return true;
    });
  await refused('split.bmp', maskedBmp(pixels, 16, { ...RGB565, green: 0x0660 }), /split\.bmp is a 16-bit BMP with unusual colour masks \(red 0xf800, green 0x660, blue 0x1f; each must be one run of at most 16 bits within the low 16\), which ecommir cannot decode/);
  await refused('none.bmp', maskedBmp(pixels, 16, { ...RGB565, blue: 0 }), /none\.bmp is a 16-bit BMP with unusual colour masks \(red 0xf800, green 0x7e0, blue 0x0;/);
  await refused('wide.bmp', maskedBmp(pixels, 16, { ...RGB565, red: 0x1f0000 }), /wide\.bmp is a 16-bit BMP with unusual colour masks \(red 0x1f0000,/);
  await refused('split32.bmp', maskedBmp(pixels, 32, { red: 0xff0000, green: 0xf0f0, blue: 0xff }), /split32\.bmp is a 32-bit BMP with unusual colour masks \(red 0xff0000, green 0xf0f0, blue 0xff; each must be one run of at most 16 bits\), which/);
  const whole = maskedBmp(gradient(3, 4, RGB565), 16, RGB565);
  await refused('cut.bmp', whole.subarray(0, whole.length - 3), /cut\.bmp is a damaged BMP: the BMP pixel data is cut short \(3×4 pixels need 32 bytes from byte 66/);
});

test('a large bit-field BMP gives the event loop a turn between rows', async () => {
  const width = 500;
  const height = 400;
  const bytes = maskedBmp(gradient(width, height, RGB565), 16, RGB565);
  // A 0 ms slice: a turn wherever the unpacking may pause, so the count shows where it pauses, not how fast this machine is.
  const { turns, value: rgb } = await turnsWhile(() => maskedRgb(bytes, { width, height, bitsPerPixel: 16, bottomUp: true, pixelOffset: 66, rowStride: width * 2, masks: RGB565 }, 0));
  assert.ok(turns >= height / 2, `${turns} turns while ${height} rows were unpacked`);
  assert.equal(rgb.length, width * height * 3);
});
