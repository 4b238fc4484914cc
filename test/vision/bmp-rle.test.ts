// Run-length encoded BMPs (RLE8, ImageMagick's default for an 8-bit BMP, and RLE4) are read: encoded and
// literal runs, deltas, lines and bitmaps ended early, runs past the right edge. Damaged run data is
// named, and a large file gives the event loop turns while it is expanded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRgb, probeImage } from '../../src/vision/decode.js';
import { decodeRleScanlines, STEPS_PER_CHECK } from '../../src/vision/bmp-rle.js';
import { turnsWhile } from '../event-loop-turns.js';
import { bmpFile } from './bmp-file.js';

const ref = (name: string, bytes: Uint8Array) => ({ name, bytes });

/** A BMP file around run-length data, from the format's description (BITMAPINFOHEADER, then the colour table). */
function rleBmp(data: number[] | Uint8Array, width: number, height: number, bits: 4 | 8, colours: number[][], { topDown = false } = {}): Buffer {
  const table = Buffer.alloc(colours.length * 4);
  colours.forEach(([r, g, b], i) => table.set([b, g, r], i * 4));
  const pixels = Uint8Array.from(data);
  return bmpFile({ width, height, topDown, bits, compression: bits === 8 ? 1 : 2, imageSize: pixels.length, colours: colours.length }, table, pixels); // BI_RLE8, BI_RLE4
}

/**
 * Run-length encodes colour indices (rows top first in `indices`), from the format's description: a run
 * of three or more equal pixels as (count, index), other pixels as literal runs of three or more
 * (0, count, indices, padded to two bytes) or single-pixel runs; each line ends (0, 0), the bitmap (0, 1).
 */
function rleEncode(indices: Uint8Array, width: number, height: number, bits: 4 | 8, topDown = false): Uint8Array {
  const out: number[] = [];
  const byteOf = (v: number) => (bits === 8 ? v : (v << 4) | v);
  for (let fileRow = 0; fileRow < height; fileRow++) {
    const y = topDown ? fileRow : height - 1 - fileRow;
    const row = indices.subarray(y * width, (y + 1) * width);
    const runAt = (i: number) => {
      let j = i + 1;
      while (j < width && j - i < 255 && row[j] === row[i]) j++;
      return j - i;
    };
    let i = 0;
    while (i < width) {
      const run = runAt(i);
      if (run >= 3) {
        out.push(run, byteOf(row[i]));
        i += run;
        continue;
      }
      let j = i;
      while (j < width && j - i < 255 && runAt(j) < 3) j++;
      const n = j - i;
      if (n < 3) {
        for (let k = i; k < j; k++) out.push(1, byteOf(row[k]));
      } else {
        const literal = bits === 8 ? [...row.subarray(i, j)] : Array.from({ length: Math.ceil(n / 2) }, (_, b) => (row[i + 2 * b] << 4) | (2 * b + 1 < n ? row[i + 2 * b + 1] : 0));
        out.push(0, n, ...literal, ...(literal.length % 2 ? [0] : []));
      }
      i = j;
    }
    out.push(0, 0);
  }
  out.push(0, 1);
  return Uint8Array.from(out);
}

const colours = Array.from({ length: 16 }, (_, i) => [(i * 53 + 7) % 256, (i * 91 + 3) % 256, (i * 29 + 200) % 256]);
const rgbOf = (indices: Iterable<number>) => [...indices].flatMap((i) => colours[i]);

test('RLE8 and RLE4 BMPs of runs and literals, bottom-up and top-down, decode to their colours', async () => {
  const width = 37; // odd, so literal runs need their padding byte
  const height = 11;
  // Each row: a run of 12 equal pixels, then 25 that change from pixel to pixel (an odd literal run).
  const indices = Uint8Array.from({ length: width * height }, (_, i) => ((i % width) < 12 ? (i / width) | 0 : (i * 7 + (i % 5)) % 16) % 16);
  for (const bits of [8, 4] as const) {
    for (const topDown of [false, true]) {
      const name = `rle${bits}${topDown ? '-top-down' : ''}.bmp`;
      const image = await decodeRgb(ref(name, rleBmp(rleEncode(indices, width, height, bits, topDown), width, height, bits, colours, { topDown })));
      assert.deepEqual([image.width, image.height], [width, height], name);
      assert.deepEqual([...image.data], rgbOf(indices), name);
    }
  }
});

test('deltas, lines and bitmaps ended early leave index 0; a run past the right edge is cut there', async () => {
  // 4×3, bottom-up: the first line of data is the bottom row.
  const rle8 = [
    3, 5, 0, 0, // bottom row: 5 5 5, then the line ends early (the fourth pixel is index 0)
    0, 2, 1, 1, // delta: one right, one up, to the top row's second pixel
    0, 5, 7, 8, 9, 10, 11, 0, // a literal of 5, padded: 7 8 9 in the top row's pixels 2-4, 10 and 11 past its edge
    0, 1, // the bitmap ends: the rest stays 0
  ];
  const image8 = await decodeRgb(ref('delta8.bmp', rleBmp(rle8, 4, 3, 8, colours)));
  assert.deepEqual([...image8.data], rgbOf([0, 7, 8, 9, 0, 0, 0, 0, 5, 5, 5, 0]));

  const rle4 = [
    0, 3, 0x34, 0x50, 0, 0, // bottom row: a literal of 3 (3 4 5, two bytes), the fourth pixel 0
    6, 0x12, 0, 0, // middle row: 1 2 1 2, the last two of the six dropped at the right edge, not spilt into the next row
    0, 2, 3, 0, // delta: three right on the top row
    1, 0xff, // the top row's last pixel: 15
    // no end mark: the data ends in the last row, as some writers leave it
  ];
  const image4 = await decodeRgb(ref('delta4.bmp', rleBmp(rle4, 4, 3, 4, colours)));
  assert.deepEqual([...image4.data], rgbOf([0, 0, 0, 15, 1, 2, 1, 2, 3, 4, 5, 0]));
});

test('two-colour RLE4 runs of any length, and runs cut at the right edge, alternate their colours to the edge', async () => {
  // 13×2, bottom-up. Bottom row: 9 pixels of 1 2 1 2..., then a run of 6 cut to the row's last 4.
  // Top row: a run of 13 (3 4 3 4...), then a run of 40 and a literal wholly past the edge.
  const rle4 = [9, 0x12, 6, 0x56, 0, 0, 13, 0x34, 40, 0x78, 0, 3, 0x9a, 0xb0, 0, 0, 0, 1];
  const image = await decodeRgb(ref('pairs.bmp', rleBmp(rle4, 13, 2, 4, colours)));
  const alternate = (n: number, a: number, b: number) => Array.from({ length: n }, (_, i) => (i % 2 ? b : a));
  assert.deepEqual([...image.data], rgbOf([...alternate(13, 3, 4), ...alternate(9, 1, 2), ...alternate(4, 5, 6)]));
  // The same at 8 bits: a literal cut at the edge in the bottom row, then a run of 200 in the top row
  // stops at its edge, not spilling into the row after it in the image.
  const rle8 = [2, 1, 0, 3, 2, 3, 4, 0, 0, 0, 200, 9, 0, 1];
  const image8 = await decodeRgb(ref('edge8.bmp', rleBmp(rle8, 4, 2, 8, colours)));
  assert.deepEqual([...image8.data], rgbOf([9, 9, 9, 9, 1, 1, 2, 3]));
});

test('run data cut short, or an RLE code on the wrong bit depth, is named', async () => {
  const indices = Uint8Array.from({ length: 6 * 4 }, (_, i) => i % 3);
  const whole = rleEncode(indices, 6, 4, 8);
  const refused = async (name: string, bytes: Uint8Array, message: RegExp) =>
    assert.rejects(decodeRgb(ref(name, bytes)), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ECM_ERR_IMAGE_CORRUPT');
      assert.match(err.message, message);
      return true;
    });
  await refused('cut.bmp', rleBmp(whole.subarray(0, 7), 6, 4, 8, colours), /cut\.bmp is a damaged BMP: the BMP's RLE8 pixel data is cut short inside a literal run \(row 1 of 4\)/);
  await refused('early.bmp', rleBmp(whole.subarray(0, 10), 6, 4, 8, colours), /early\.bmp is a damaged BMP: the BMP's RLE8 pixel data ends in row 2 of 4, before its end mark/);
  await refused('delta.bmp', rleBmp([0, 2, 1], 6, 4, 8, colours), /delta\.bmp is a damaged BMP: the BMP's RLE8 pixel data is cut short inside a delta/);
  const wrongDepth = rleBmp(whole, 6, 4, 8, colours);
  wrongDepth.writeUInt16LE(4, 28); // RLE8 said of a 4-bit BMP
  await refused('depth.bmp', wrongDepth, /depth\.bmp is an RLE8-compressed BMP of 4 bits, which ecommir cannot decode/);
  const noData = rleBmp([], 6, 4, 8, colours);
  await assert.rejects(probeImage(ref('empty.bmp', noData)), /empty\.bmp is a damaged BMP: the BMP pixel data starts at byte 118, past the end of the file \(118 bytes\)/);
  // The probe reads the headers only (the service runs it on its event loop for every upload): the
  // runs are expanded, and found cut, by the decode.
  assert.deepEqual(await probeImage(ref('cut.bmp', rleBmp(whole.subarray(0, 7), 6, 4, 8, colours))).then((i) => [i.format, i.width, i.height]), ['bmp', 6, 4]);
  // A loader that checks images without decoding them (export, train) still finds it, with the record.
  const { checkLoadedSample } = await import('../../src/data/loaded-checks.js');
  const image = ref('cut.bmp', rleBmp(whole.subarray(0, 7), 6, 4, 8, colours));
  await assert.rejects(
    checkLoadedSample({ id: 's1', index: 0, task: 'scene', candidates: [], turns: [{ role: 'user', text: '<image>', images: [image] }], images: [image] }, { checkImages: true }),
    /id s1: image cut\.bmp is a damaged BMP: the BMP's RLE8 pixel data is cut short/,
  );
});

/**
 * Decodes `row` repeated `height` times (bottom-up), counting the event loop's turns meanwhile. The slice
 * is 0 ms, so the decoder hands over a turn wherever it may pause: the count shows where it pauses, not
 * how fast this machine is (in-slices.test.ts checks the slice clock itself).
 */
async function turnsWhileDecoding(row: number[], width: number, height: number, bits: 4 | 8): Promise<{ turns: number; scanlines: Uint8Array }> {
  const data = Uint8Array.from({ length: row.length * height }, (_, i) => row[i % row.length]);
  const { turns, value } = await turnsWhile(() => decodeRleScanlines(data, { width, height, bits, bottomUp: true }, 0));
  return { turns, scanlines: value };
}

test('a large run-length file gives the event loop turns while it is expanded', async () => {
  // 4000×600 at RLE4, each row 16 literal runs of 250 pixels (125 bytes and a padding byte): JavaScript
  // unpacks every pixel.
  const row = [...Array.from({ length: 16 }, () => [0, 250, ...Array.from({ length: 125 }, () => 0x12), 0]).flat(), 0, 0];
  const { turns, scanlines } = await turnsWhileDecoding(row, 4000, 600, 4);
  // A pause each STEPS_PER_CHECK pixels or so; half that leaves room for turns that fall together.
  const expected = Math.floor((4000 * 600) / STEPS_PER_CHECK / 2);
  assert.ok(turns >= expected, `${turns} turns, at least ${expected} expected`);
  assert.deepEqual([...scanlines.subarray(0, 5)], [0, 1, 2, 1, 2]);
});

test('a large file of one-pixel runs gives the event loop turns too: each run is a step', async () => {
  // 2000×300 at RLE8, every pixel its own run (1, index): 600 000 runs, no pixel set in JavaScript.
  const row = [...Array.from({ length: 2000 }, (_, x) => [1, x % 7]).flat(), 0, 0];
  const { turns, scanlines } = await turnsWhileDecoding(row, 2000, 300, 8);
  const expected = Math.floor((2000 * 300) / STEPS_PER_CHECK / 2);
  assert.ok(turns >= expected, `${turns} turns, at least ${expected} expected`);
  assert.deepEqual([...scanlines.subarray(0, 9)], [0, 0, 1, 2, 3, 4, 5, 6, 0]);
});
