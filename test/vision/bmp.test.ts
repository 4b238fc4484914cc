// Windows BMP screenshots are read (sharp's libvips has no BMP loader): 24-bit and 32-bit, and 1-, 4-
// and 8-bit with a colour table, rows bottom-up or top-down, padded to 4 bytes. The pixels must come out exactly as written, and a
// header claiming a huge image is refused before anything is allocated for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { decodeRgb, IMAGE_FILE_EXTENSIONS, probeImage, readImageBytes } from '../../src/vision/decode.js';
import { bmpFile, writeMasks } from './bmp-file.js';

interface BmpOptions {
  bits: 24 | 32;
  topDown?: boolean;
  /** 40: BITMAPINFOHEADER; 124: BITMAPV5HEADER with the colour masks (BI_BITFIELDS, 32-bit only). */
  headerSize?: 40 | 124;
}

/** Writes RGB pixels as a BMP file, from the format's description (rows of BGR(A), padded to 4 bytes). */
function encodeBmp(rgb: Uint8Array, width: number, height: number, { bits, topDown = false, headerSize = 40 }: BmpOptions): Buffer {
  const bytesPerPixel = bits / 8;
  const stride = Math.ceil((width * bytesPerPixel) / 4) * 4;
  const pixels = Buffer.alloc(stride * height, 0xee); // padding filled with non-zero on purpose
  for (let y = 0; y < height; y++) {
    const fileRow = topDown ? y : height - 1 - y;
    for (let x = 0; x < width; x++) {
      const from = (y * width + x) * 3;
      const to = fileRow * stride + x * bytesPerPixel;
      pixels[to] = rgb[from + 2];
      pixels[to + 1] = rgb[from + 1];
      pixels[to + 2] = rgb[from];
      if (bits === 32) pixels[to + 3] = 0; // unused, as most writers leave it
    }
  }
  // The V5 header holds the usual masks (BI_BITFIELDS).
  const file = bmpFile({ width, height, topDown, bits, headerSize, compression: headerSize === 124 ? 3 : 0 }, new Uint8Array(0), pixels);
  if (headerSize === 124) writeMasks(file, [0xff0000, 0xff00, 0xff]);
  return file;
}

const ref = (name: string, bytes: Uint8Array) => ({ name, bytes });

interface PaletteBmpOptions {
  topDown?: boolean;
  /** 40: BITMAPINFOHEADER; 124: BITMAPV5HEADER, the table after it all the same. */
  headerSize?: 40 | 124;
  /** The header's colour count (biClrUsed). Default: the table's length; 0 means "all 2^bits". */
  count?: number;
}

/**
 * Writes colour indices as a colour-table BMP: `colours` RGB triples (the table, as BGR and a reserved
 * byte each), rows of indices packed leftmost pixel in the high bits, padded to 4 bytes.
 */
function encodePaletteBmp(indices: Uint8Array, width: number, height: number, bits: 1 | 4 | 8, colours: number[][], { topDown = false, headerSize = 40, count = colours.length }: PaletteBmpOptions = {}): Buffer {
  const stride = Math.ceil((width * bits) / 32) * 4;
  const pixels = Buffer.alloc(stride * height, 0);
  for (let y = 0; y < height; y++) {
    const fileRow = topDown ? y : height - 1 - y;
    for (let x = 0; x < width; x++) {
      const bit = x * bits;
      pixels[fileRow * stride + (bit >> 3)] |= indices[y * width + x] << (8 - bits - (bit & 7));
    }
  }
  const table = Buffer.alloc(colours.length * 4, 0xee); // the reserved byte filled with non-zero on purpose
  colours.forEach(([r, g, b], i) => table.set([b, g, r], i * 4));
  return bmpFile({ width, height, topDown, bits, headerSize, colours: count }, table, pixels);
}

test('1-, 4- and 8-bit colour-table BMPs, bottom-up and top-down, odd widths, any header, decode to their colours', async () => {
  const width = 7; // not a whole byte at 1 or 4 bits, and padded at every depth
  const height = 3;
  for (const bits of [1, 4, 8] as const) {
    const colours = Array.from({ length: bits === 8 ? 5 : 2 ** bits }, (_, i) => [(i * 53 + 7) % 256, (i * 91 + 3) % 256, (i * 29 + 200) % 256]);
    const indices = Uint8Array.from({ length: width * height }, (_, i) => (i * 7 + 1) % colours.length);
    if (bits === 8) indices[9] = 200; // past the file's 5 colours: black, as the entries a table leaves out
    const expected = [...indices].flatMap((i) => colours[i] ?? [0, 0, 0]);
    for (const options of [{}, { topDown: true }, { headerSize: 124 }, ...(bits === 8 ? [] : [{ count: 0 }])] as PaletteBmpOptions[]) {
      const name = `${bits}-${JSON.stringify(options)}.bmp`;
      const image = await decodeRgb(ref(name, encodePaletteBmp(indices, width, height, bits, colours, options)));
      assert.deepEqual([image.width, image.height], [width, height], name);
      assert.deepEqual([...image.data], expected, name);
    }
  }
});

test('a colour table is held to the room before the pixels; one cut short, or pixels that start inside the headers, are named', async () => {
  const colours = [[10, 20, 30], [40, 50, 60], [70, 80, 90]];
  const indices = Uint8Array.from([0, 1, 2, 1]);
  // No count and a table of 3 (some writers): the count is "all 256", held to the 3 before the pixels.
  const short = await decodeRgb(ref('short.bmp', encodePaletteBmp(indices, 2, 2, 8, colours, { count: 0 })));
  assert.deepEqual([...short.data], [...indices].flatMap((i) => colours[i]));
  const cut = encodePaletteBmp(indices, 2, 2, 8, colours).subarray(0, 54 + 8);
  await assert.rejects(probeImage(ref('cut-table.bmp', cut)), (err: Error & { code?: string }) => err.code === 'ECM_ERR_IMAGE_CORRUPT' && /cut-table\.bmp is a damaged BMP: the BMP colour table is cut short/.test(err.message));
  const noTable = encodePaletteBmp(indices, 2, 2, 8, colours);
  noTable.writeUInt32LE(54, 10); // the pixels said to start where the table does
  await assert.rejects(probeImage(ref('no-table.bmp', noTable)), /no-table\.bmp is a damaged BMP: the BMP pixel data starts at byte 54, inside the headers or where the colour table should be \(they end at byte 58\)/);
  const v5 = encodeBmp(new Uint8Array(2 * 2 * 3), 2, 2, { bits: 32, headerSize: 124 });
  v5.writeUInt32LE(60, 10); // inside the 124-byte header
  await assert.rejects(probeImage(ref('v5.bmp', v5)), /v5\.bmp is a damaged BMP: the BMP pixel data starts at byte 60, inside the headers \(they end at byte 138\)/);
});

test('24- and 32-bit BMPs, bottom-up and top-down, odd widths, decode to the pixels written', async () => {
  const width = 5; // 15 bytes a row at 24 bits: one byte of padding
  const height = 3;
  const rgb = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 37 + 11) % 256);
  for (const options of [{ bits: 24 }, { bits: 24, topDown: true }, { bits: 32 }, { bits: 32, topDown: true, headerSize: 124 }] as BmpOptions[]) {
    const name = `${options.bits}${options.topDown ? '-top-down' : ''}.bmp`;
    const image = await decodeRgb(ref(name, encodeBmp(rgb, width, height, options)));
    assert.deepEqual([image.width, image.height], [width, height], name);
    assert.deepEqual([...image.data], [...rgb], name);
    assert.deepEqual(await probeImage(ref(name, encodeBmp(rgb, width, height, options))).then((i) => [i.format, i.width, i.height]), ['bmp', width, height]);
  }
});

test('a real screenshot saved as BMP reads the same as its PNG', async () => {
  const png = readFileSync(new URL('../../examples/screenshots/order.png', import.meta.url));
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const fromBmp = await decodeRgb(ref('order.bmp', encodeBmp(data, info.width, info.height, { bits: 24 })));
  const fromPng = await decodeRgb(ref('order.png', png));
  assert.deepEqual([fromBmp.width, fromBmp.height], [fromPng.width, fromPng.height]);
  assert.ok(Buffer.from(fromBmp.data).equals(Buffer.from(fromPng.data)), 'the same pixels');
  // Read twice, the same bytes: the content hash (and so the feature cache) is stable.
  const bmp = encodeBmp(data, info.width, info.height, { bits: 24 });
  assert.ok(Buffer.from(await readImageBytes(ref('a.bmp', bmp))).equals(Buffer.from(await readImageBytes(ref('b.bmp', bmp)))));
  assert.ok(IMAGE_FILE_EXTENSIONS.includes('.bmp'), 'a folder of BMPs is listed');
});

test('a BMP claiming a huge size, or cut short, is refused by name before its pixels are read', async () => {
  const small = encodeBmp(new Uint8Array(4 * 4 * 3), 4, 4, { bits: 24 });
  const huge = Buffer.from(small);
  huge.writeInt32LE(100_000, 18);
  huge.writeInt32LE(100_000, 22);
  await assert.rejects(probeImage(ref('huge.bmp', huge)), (err: Error & { code?: string }) => err.code === 'ECM_ERR_IMAGE_TOO_LARGE' && /huge\.bmp is 100000×100000 pixels, over the limit/.test(err.message));
  await assert.rejects(decodeRgb(ref('cut.bmp', small.subarray(0, small.length - 5))), (err: Error & { code?: string }) => err.code === 'ECM_ERR_IMAGE_CORRUPT' && /cut\.bmp is a damaged BMP: the BMP pixel data is cut short/.test(err.message));
  const two = Buffer.from(small);
  two.writeUInt16LE(2, 28); // Windows CE's 2 bits a pixel
  await assert.rejects(probeImage(ref('old.bmp', two)), /old\.bmp is a 2-bit BMP, which ecommir cannot decode/);
  const eightWithMasks = Buffer.from(small);
  eightWithMasks.writeUInt16LE(8, 28);
  eightWithMasks.writeUInt32LE(3, 30); // BI_BITFIELDS, which only 16- and 32-bit BMPs may have
  await assert.rejects(probeImage(ref('masks.bmp', eightWithMasks)), /masks\.bmp is an 8-bit BMP, which ecommir cannot decode/);
});

test('a BMP is converted once per reference, again when the file under its path changes, and held to each call\'s limits', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const rgb = new Uint8Array(5 * 3 * 3).map((_, i) => (i * 37) % 256);
  const bmp = encodeBmp(rgb, 5, 3, { bits: 24 });
  const inline = { name: 'inline.bmp', bytes: new Uint8Array(bmp) };
  const first = await readImageBytes(inline);
  // Probe, decode and content hash read the same reference: one conversion serves them all.
  assert.equal(await readImageBytes(inline), first, 'the second read reuses the first conversion');
  await assert.rejects(readImageBytes(inline, {}, { maxBytes: 1 << 20, maxPixels: 14 }), (err: Error & { code?: string }) => err.code === 'ECM_ERR_IMAGE_TOO_LARGE');
  // The same buffer changed in place is another image.
  const original = (await decodeRgb(inline)).data;
  inline.bytes.set(encodeBmp(new Uint8Array(rgb).map((v) => 255 - v), 5, 3, { bits: 24 }));
  assert.notDeepEqual((await decodeRgb(inline)).data, original, 'a buffer changed in place is converted again');

  const path = join(mkdtempSync(join(tmpdir(), 'ecommir-bmp-')), 'shot.bmp');
  writeFileSync(path, bmp);
  const onDisk = { name: 'shot.bmp', path };
  const before = await readImageBytes(onDisk);
  assert.equal(await readImageBytes(onDisk), before, 'same file, same conversion');
  const changed = new Uint8Array(rgb).map((v) => 255 - v);
  writeFileSync(path, encodeBmp(changed, 5, 3, { bits: 24 }));
  const after = await readImageBytes(onDisk);
  assert.notDeepEqual(after, before, 'a changed file is converted again');
  const decoded = await decodeRgb(onDisk);
  assert.deepEqual(decoded.data, changed);
});
