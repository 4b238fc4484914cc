// Files people send that are not pictures the decoder reads are named for what they are, with what to
// send instead; a damaged picture is still called corrupt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { probeImage, verifyImageDecodes } from '../../src/vision/decode.js';

const ref = (name: string, bytes: Uint8Array) => ({ name, bytes });

/** A BMP the decoder does not read: an OS/2 one (BITMAPCOREHEADER, 12 bytes, 16-bit sizes), 2×2 at 24 bits. */
function bmp(): Uint8Array {
  const header = Buffer.alloc(26);
  header.write('BM', 0, 'ascii');
  header.writeUInt32LE(26 + 16, 2);
  header.writeUInt32LE(26, 10);
  header.writeUInt32LE(12, 14); // BITMAPCOREHEADER
  header.writeUInt16LE(2, 18);
  header.writeUInt16LE(2, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt16LE(24, 24);
  return Buffer.concat([header, Buffer.alloc(16, 0xff)]);
}

test('an SVG, a PDF, a BMP and a HEIC that does not decode are named, with the formats to send', async () => {
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><rect width="40" height="30"/></svg>');
  const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
  const heic = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic'), Buffer.alloc(200, 7)]);
  for (const [name, bytes, what] of [
    ['order.svg', svg, /order\.svg is an SVG drawing, which ecommir cannot decode: send it as JPEG, PNG/],
    ['order.pdf', pdf, /order\.pdf is a PDF document, which ecommir cannot decode/],
    ['screen.bmp', bmp(), /screen\.bmp is an OS\/2 BMP, which ecommir cannot decode: send it as JPEG, PNG, WebP, GIF, TIFF, AVIF or a 1\/4\/8\/16\/24\/32-bit BMP \(uncompressed, or RLE at 4 and 8 bits\)/],
    ['IMG_0001.HEIC', heic, /IMG_0001\.HEIC is a HEIC photo \(HEVC-coded\), which ecommir cannot decode.*Most Compatible/],
  ] as const) {
    await assert.rejects(probeImage(ref(name, bytes)).then(() => verifyImageDecodes(ref(name, bytes))), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ECM_ERR_IMAGE_CORRUPT');
      assert.match(err.message, what);
      return true;
    });
  }
});

test('a cut PNG is still called corrupt, and a whole one decodes', async () => {
  const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: 'white' } }).png().toBuffer();
  await verifyImageDecodes(ref('whole.png', png));
  await assert.rejects(verifyImageDecodes(ref('cut.png', png.subarray(0, png.length - 30))), /cut\.png is corrupt or not a supported image/);
});

test('the chat-request encoder refuses, by name, what the decoder refuses', async () => {
  const { imageDataUrl } = await import('../../src/backends/mllm/data-url.js');
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><rect width="40" height="30"/></svg>');
  await assert.rejects(imageDataUrl(ref('order.pdf', Buffer.from('%PDF-1.4\n%%EOF\n')), { id: 'd1' }), /order\.pdf is a PDF document, which ecommir cannot decode/);
  await assert.rejects(imageDataUrl(ref('screen.bmp', bmp()), { id: 'd1' }), /screen\.bmp is an OS\/2 BMP, which ecommir cannot decode: send it as JPEG, PNG, WebP, GIF, TIFF, AVIF or a 1\/4\/8\/16\/24\/32-bit BMP \(uncompressed, or RLE at 4 and 8 bits\)/);
  // It was rendered and sent before, though the embedded models refuse it.
  await assert.rejects(imageDataUrl(ref('order.svg', svg), { id: 'd1' }), /order\.svg is an SVG drawing, which ecommir cannot decode/);
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'white' } }).png().toBuffer();
  assert.match(await imageDataUrl(ref('ok.png', png), { id: 'd1' }), /^data:image\/png;base64,/);
});

test('an image path that is a device, a pipe or a loop of links is refused by name at once; a large file by its size', async () => {
  const { execFileSync } = await import('node:child_process');
  const { mkdtempSync, rmSync, symlinkSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'ecommir-paths-'));
  try {
    const fifo = join(dir, 'order.png');
    execFileSync('mkfifo', [fifo]);
    symlinkSync(join(dir, 'b.png'), join(dir, 'a.png'));
    symlinkSync(join(dir, 'a.png'), join(dir, 'b.png'));
    writeFileSync(join(dir, 'big.png'), Buffer.alloc(2_000));
    const refused = (path: string, code: string, pattern: RegExp) =>
      assert.rejects(probeImage({ name: path, path }, {}, { maxBytes: 1_000, maxPixels: 1e6 }), (err: Error & { code?: string }) => {
        assert.equal(err.code, code);
        assert.match(err.message, pattern);
        return true;
      });
    // /dev/zero was read until memory ran out (its size is 0); opening the pipe waited for a writer.
    await refused('/dev/zero', 'ECM_ERR_FILE_UNREADABLE', /image \/dev\/zero at \/dev\/zero: it is a device; an image must be a regular file/);
    await refused(fifo, 'ECM_ERR_FILE_UNREADABLE', /order\.png: it is a pipe; an image must be a regular file/);
    await refused(join(dir, 'a.png'), 'ECM_ERR_FILE_UNREADABLE', /a\.png: its links lead round in a loop/);
    await refused(join(dir, 'big.png'), 'ECM_ERR_IMAGE_TOO_LARGE', /big\.png is 2000 bytes, over the limit of 1000/);
    await refused(join(dir, 'none.png'), 'ECM_ERR_IMAGE_MISSING', /none\.png not found/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a decoder message is one short line: repeated lines once, the last two distinct ones kept; a side past what can be decoded is a size', async () => {
  const { decoderDetail } = await import('../../src/vision/decode.js');
  const size = 'VipsJpeg: Maximum supported image dimension is 65500 pixels';
  assert.equal(decoderDetail(`Input buffer has corrupt header: ${size}\n${size}\n${size}`), `Input buffer has corrupt header: ${size}; ${size}`);
  const avif = 'source: bad seek to 33221\nsource: bad seek to 16745\nsource: bad seek to 33189\nheif: Invalid input: Unexpected end of file\n (2.100)';
  assert.equal(decoderDetail(avif), 'source: bad seek to 33189; heif: Invalid input: Unexpected end of file (2.100)');
  assert.equal(decoderDetail('x'.repeat(1000)).length, 300);
  // A JPEG whose header says 65535×65535: libvips refuses it before our limits are read.
  const jpeg = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#888' } }).jpeg().toBuffer();
  const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
  jpeg.writeUInt16BE(65535, sof + 5);
  jpeg.writeUInt16BE(65535, sof + 7);
  await assert.rejects(verifyImageDecodes(ref('huge.jpg', jpeg)), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'ECM_ERR_IMAGE_TOO_LARGE');
    assert.match(err.message, /huge\.jpg says it is more than 65500 pixels on a side, more than can be decoded/);
    return true;
  });
  const ico = Buffer.concat([Buffer.from([0, 0, 1, 0, 1, 0]), Buffer.alloc(40, 1)]);
  await assert.rejects(probeImage(ref('favicon.ico', ico)), /favicon\.ico is a Windows icon \(ICO\), which ecommir cannot decode/);
});
