// The palette PNG writer's CRC has a JavaScript fallback for Node before 20.15 (no zlib.crc32): it must
// give zlib's checksums, or every chunk it writes on such a Node is refused as corrupt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import sharp from 'sharp';
import { crc32InJs, encodePalettePng } from '../../src/vision/palette-png.js';

test('the JavaScript CRC-32 gives the check value and zlib\'s checksums', () => {
  assert.equal(crc32InJs(Buffer.from('123456789')), 0xcbf43926); // the standard check value of CRC-32/ISO-HDLC
  assert.equal(crc32InJs(new Uint8Array(0)), 0);
  for (const length of [1, 13, 1000, 65_537]) {
    const data = randomBytes(length);
    assert.equal(crc32InJs(data), zlib.crc32(data), `${length} bytes`);
    // Run over two parts, as a chunk's type and data are: the second call continues from the first's value.
    const cut = Math.floor(length / 3);
    assert.equal(crc32InJs(data.subarray(cut), crc32InJs(data.subarray(0, cut))), zlib.crc32(data), `${length} bytes in two parts`);
    assert.equal(crc32InJs(data.subarray(cut), 0x1234_5678), zlib.crc32(data.subarray(cut), 0x1234_5678), `${length} bytes from a given value`);
  }
});

test('a 4-bit palette PNG decodes to its palette colours (the 1- and 8-bit ones: bmp.test.ts)', async () => {
  // 3×2 pixels at 4 bits: indices 0 1 2 / 3 0 1, rows of 2 bytes behind a filter byte.
  const palette = Uint8Array.from({ length: 16 * 3 }, (_, i) => (i * 17) % 256);
  const scanlines = Uint8Array.of(0, 0x01, 0x20, 0, 0x30, 0x10);
  const png = await encodePalettePng({ width: 3, height: 2, bitDepth: 4, palette, scanlines });
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height, info.channels], [3, 2, 3]);
  assert.deepEqual([...data], [0, 1, 2, 3, 0, 1].flatMap((i) => [...palette.subarray(i * 3, i * 3 + 3)]));
});
