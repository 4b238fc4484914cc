// Which images the service's text lane may decode (their decode cost follows their size): sequential
// JPEGs of 1 or 3 components, and PNGs of at most 8 bits, not interlaced, with no colour profile or
// compressed text. Everything else, and anything unrecognised, is not cheap. Embedded colour profiles
// are never applied (decode.ts), so a crafted one costs nothing in any lane.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { pngChunk } from './png-chunk.js';
import { CHEAP_DECODE_MAX_BYTES, isCheapToDecode } from '../../src/vision/cheap-decode.js';
import { withoutCostlyMetadata } from '../../src/vision/costly-metadata.js';
import { decodeRgb, probeImage } from '../../src/vision/decode.js';

const picture = () => sharp({ create: { width: 48, height: 32, channels: 3, background: { r: 200, g: 30, b: 90 } } });


/** The PNG with a chunk put before its image data. */
function withChunk(png: Buffer, extra: Buffer): Buffer {
  const idat = png.indexOf('IDAT') - 4;
  return Buffer.concat([png.subarray(0, idat), extra, png.subarray(idat)]);
}

test('sequential JPEGs and plain PNGs are; progressive, interlaced, 16-bit, CMYK, profiled and other formats are not', async () => {
  const png = await picture().png().toBuffer();
  const cases: Array<[string, Buffer, boolean]> = [
    ['baseline JPEG', await picture().jpeg().toBuffer(), true],
    ['grey baseline JPEG', await picture().greyscale().jpeg().toBuffer(), true],
    ['progressive JPEG', await picture().jpeg({ progressive: true }).toBuffer(), false],
    ['CMYK JPEG', await picture().toColourspace('cmyk').jpeg().toBuffer(), false],
    ['JPEG with a colour profile', await picture().withIccProfile('p3').jpeg().toBuffer(), true],
    ['PNG', png, true],
    ['PNG with a palette', await picture().png({ palette: true }).toBuffer(), true],
    ['PNG with a plain text chunk', withChunk(png, pngChunk('tEXt', Buffer.from('Comment\0a note', 'latin1'))), true],
    ['interlaced PNG', await picture().png({ progressive: true }).toBuffer(), false],
    ['16-bit PNG', await picture().toColourspace('rgb16').png().toBuffer(), false],
    ['PNG with a colour profile (iCCP)', await picture().withIccProfile('p3').png().toBuffer(), false],
    ['PNG with an unknown chunk', withChunk(png, pngChunk('abCd', Buffer.from('x'))), false],
    ['WebP', await picture().webp().toBuffer(), false],
    ['GIF', await picture().gif().toBuffer(), false],
    ['TIFF', await picture().tiff().toBuffer(), false],
    ['AVIF', await picture().avif().toBuffer(), false],
  ];
  for (const [name, bytes, expected] of cases) {
    assert.equal(isCheapToDecode(bytes), expected, name);
    assert.equal((await probeImage({ name, bytes })).cheapToDecode, expected, `${name} as probed`);
  }
  // Compressed text is dropped before the probe and the decode (costly-metadata.ts): the file is judged without it.
  for (const compressed of [
    pngChunk('zTXt', Buffer.concat([Buffer.from('Comment\0\0', 'latin1'), deflateSync(Buffer.alloc(4096))])),
    pngChunk('iTXt', Buffer.concat([Buffer.from('Comment\0\x01\0\0\0', 'latin1'), deflateSync(Buffer.alloc(4096))])),
  ]) {
    const bytes = withChunk(png, compressed);
    assert.equal(isCheapToDecode(bytes), false);
    assert.equal((await probeImage({ name: 'text.png', bytes })).cheapToDecode, true);
  }
  // Over the size judged: not cheap, whatever it is.
  const padded = withChunk(png, pngChunk('tEXt', Buffer.concat([Buffer.from('Comment\0', 'latin1'), Buffer.alloc(CHEAP_DECODE_MAX_BYTES)])));
  assert.equal(isCheapToDecode(padded), false);
});

test('a JPEG is walked segment by segment to its first scan: fill bytes pass; a stray byte, another frame, 12 bits or a header cut short do not', async () => {
  const jpeg = await picture().jpeg().toBuffer();
  const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
  assert.ok(sof > 2);
  const at = (offset: number, ...bytes: number[]) => Buffer.concat([jpeg.subarray(0, offset), Buffer.from(bytes), jpeg.subarray(offset)]);
  assert.equal(isCheapToDecode(at(sof, 0xff, 0xff)), true, 'fill bytes before a marker');
  // libjpeg reads "FF 00" after the start marker as a stuffed zero and skips it and what follows to the
  // next marker, where this walk would have read a segment length: it hid a progressive JPEG.
  const hidden = [0xff, 0xc2, 0x00, 0x0b, 8, 0, 1, 0, 1, 1, 1, 0x11, 0]; // a progressive frame header, for libjpeg to find
  assert.equal(isCheapToDecode(at(2, 0xff, 0x00, 0x00, 2 + hidden.length, ...hidden)), false, 'FF 00 and a length after the start marker');
  for (const marker of [0xc2, 0xc3, 0xc9, 0xde]) {
    const other = Buffer.from(jpeg);
    other[sof + 1] = marker;
    assert.equal(isCheapToDecode(other), false, `frame marker ${marker.toString(16)}`);
  }
  const twelveBits = Buffer.from(jpeg);
  twelveBits[sof + 4] = 12;
  assert.equal(isCheapToDecode(twelveBits), false, '12-bit samples');
  const sofSegment = jpeg.subarray(sof, sof + 2 + jpeg.readUInt16BE(sof + 2));
  assert.equal(isCheapToDecode(at(sof, ...sofSegment)), false, 'two frame headers');
  assert.equal(isCheapToDecode(jpeg.subarray(0, sof + 3)), false, 'cut inside the frame header');
  // A first scan of fewer components than the frame: libjpeg then buffers the image for more scans.
  const sos = jpeg.indexOf(Buffer.from([0xff, 0xda]));
  assert.equal(jpeg[sos + 4], 3, 'sharp writes one interleaved scan of the three components');
  const partial = Buffer.from(jpeg);
  partial[sos + 4] = 1;
  assert.equal(isCheapToDecode(partial), false, 'a first scan of one component of three');
  assert.equal(isCheapToDecode(jpeg.subarray(0, sos + 4)), false, 'cut inside the first scan header');
  assert.equal(isCheapToDecode(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0, 2])), false, 'a scan with no frame header');
  assert.equal(isCheapToDecode(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 1, 0xff, 0xc0])), false, 'a segment length under 2');
  assert.equal(isCheapToDecode(new Uint8Array(0)), false);
  assert.equal(isCheapToDecode(Buffer.from('not an image at all')), false);
  const png = await picture().png().toBuffer();
  assert.equal(isCheapToDecode(png.subarray(0, 20)), false, 'a PNG cut inside its header');
  assert.equal(isCheapToDecode(png.subarray(0, png.length - 12)), false, 'a PNG without IEND');
});

test('an iTXt whose keyword ends its data, with no compression flag after it, is malformed: not cheap, and left out with the text', async () => {
  const png = await picture().png().toBuffer();
  const plainText = withChunk(png, pngChunk('tEXt', Buffer.from('Comment\0a note', 'latin1')));
  // Read as the costly case by both: the text-lane check (not cheap) and the metadata trim (all text left out).
  // The two readers used to differ here: the trim read the chunk's CRC as the flag.
  // The keyword is chosen so that the CRC after it starts with a 0 byte, which a reader going one byte
  // too far takes for "uncompressed".
  let flaglessChunk = pngChunk('iTXt', Buffer.from('Comment\0', 'latin1'));
  for (let n = 0; flaglessChunk[flaglessChunk.length - 4] !== 0; n++) flaglessChunk = pngChunk('iTXt', Buffer.from(`Comment${n}\0`, 'latin1'));
  const flagless = withChunk(plainText, flaglessChunk);
  assert.equal(isCheapToDecode(flagless), false);
  assert.ok(Buffer.from(withoutCostlyMetadata(flagless)).equals(png), 'every text chunk is left out');
  assert.equal((await probeImage({ name: 'flagless.png', bytes: flagless })).cheapToDecode, true, 'judged without them');
  const withFlag = withChunk(plainText, pngChunk('iTXt', Buffer.from('Comment\0\0\0\0a note', 'latin1')));
  assert.equal(isCheapToDecode(withFlag), true, 'the same chunk with its flag and fields: uncompressed');
  assert.equal(withoutCostlyMetadata(withFlag), withFlag, 'kept, the same bytes');
});

test('an embedded colour profile is not applied: the pixels come back as stored', async () => {
  // sharp converts sRGB red into Display P3 and tags the file with that profile; applied, the profile
  // would turn the stored values back into about 255, 0, 0.
  const tagged = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 255, g: 0, b: 0 } } }).withIccProfile('p3').png().toBuffer();
  const stored = await sharp(tagged, { ignoreIcc: true }).raw().toBuffer();
  assert.ok(stored[1] > 20, `the stored green is well above 0 (${stored[1]})`);
  const decoded = await decodeRgb({ name: 'p3.png', bytes: tagged });
  assert.deepEqual([...decoded.data.subarray(0, 3)], [...stored.subarray(0, 3)]);
});
