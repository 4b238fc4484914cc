// Which codings the service's text lane may decode (their cost follows their size): sequential JPEGs
// and PNGs of at most 8 bits a sample, not interlaced. Everything else, and anything unrecognised, is not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { isSequentialCoding } from '../../src/vision/sequential-coding.js';
import { probeImage } from '../../src/vision/decode.js';

const picture = () => sharp({ create: { width: 48, height: 32, channels: 3, background: { r: 200, g: 30, b: 90 } } });

test('sequential JPEGs and plain PNGs are; progressive, interlaced, 16-bit and other formats are not', async () => {
  const cases: Array<[string, Buffer, boolean]> = [
    ['baseline JPEG', await picture().jpeg().toBuffer(), true],
    ['progressive JPEG', await picture().jpeg({ progressive: true }).toBuffer(), false],
    ['PNG', await picture().png().toBuffer(), true],
    ['PNG with a palette', await picture().png({ palette: true }).toBuffer(), true],
    ['interlaced PNG', await picture().png({ progressive: true }).toBuffer(), false],
    ['16-bit PNG', await picture().toColourspace('rgb16').png().toBuffer(), false],
    ['WebP', await picture().webp().toBuffer(), false],
    ['GIF', await picture().gif().toBuffer(), false],
    ['TIFF', await picture().tiff().toBuffer(), false],
    ['AVIF', await picture().avif().toBuffer(), false],
  ];
  for (const [name, bytes, expected] of cases) {
    assert.equal(isSequentialCoding(bytes), expected, name);
    assert.equal((await probeImage({ name, bytes })).sequential, expected, `${name} as probed`);
  }
});

test('a JPEG is read to its frame header, past fill bytes and segments; a header cut short or unknown bytes are not sequential', async () => {
  const jpeg = await picture().jpeg().toBuffer();
  const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
  assert.ok(sof > 2);
  // Fill bytes before a marker are allowed.
  const filled = Buffer.concat([jpeg.subarray(0, sof), Buffer.from([0xff, 0xff]), jpeg.subarray(sof)]);
  assert.equal(isSequentialCoding(filled), true);
  // The same frame marked progressive (SOF2), lossless (SOF3) or arithmetic (SOF9).
  for (const marker of [0xc2, 0xc3, 0xc9]) {
    const other = Buffer.from(jpeg);
    other[sof + 1] = marker;
    assert.equal(isSequentialCoding(other), false, marker.toString(16));
  }
  assert.equal(isSequentialCoding(jpeg.subarray(0, sof)), false, 'cut before the frame header');
  assert.equal(isSequentialCoding(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0, 2])), false, 'a scan with no frame header');
  assert.equal(isSequentialCoding(Buffer.from([0xff, 0xd8, 0x00, 0x00, 0, 2])), false, 'no marker where one must be');
  assert.equal(isSequentialCoding(new Uint8Array(0)), false);
  assert.equal(isSequentialCoding(Buffer.from('not an image at all')), false);
  const png = await picture().png().toBuffer();
  assert.equal(isSequentialCoding(png.subarray(0, 20)), false, 'a PNG cut inside its header');
});
