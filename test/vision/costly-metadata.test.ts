// Metadata that libvips would parse at every open, at a cost far above the pixels': left out as the
// bytes are read, the pixels unchanged; files under the caps come back as they are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { pngChunk } from './png-chunk.js';
import { MAX_PNG_ANCILLARY_CHUNKS, MAX_PNG_TEXT_CHUNKS, MAX_TIFF_DIRECTORIES, MAX_TIFF_ENTRIES, withoutCostlyMetadata, withoutCostlyMetadataInSlices } from '../../src/vision/costly-metadata.js';
import { decodeRgb, probeImage } from '../../src/vision/decode.js';
import { sampleContent } from '../../src/runtime/identity.js';
import { jobData, sampleFromJob } from '../../src/queue/jobs.js';
import type { Sample } from '../../src/types.js';


/** Text chunks of each kind: zTXt (1 MiB of zeros, compressed), iTXt compressed or not, tEXt. */
const TEXT_CHUNKS = {
  zTXt: () => pngChunk('zTXt', Buffer.concat([Buffer.from('Comment\0\0', 'latin1'), deflateSync(Buffer.alloc(1 << 20))])),
  iTXtCompressed: () => pngChunk('iTXt', Buffer.concat([Buffer.from('Comment\0\x01\0\0\0', 'latin1'), deflateSync(Buffer.alloc(1 << 20))])),
  iTXt: () => pngChunk('iTXt', Buffer.from('Comment\0\0\0\0\0a plain note', 'latin1')),
  tEXt: () => pngChunk('tEXt', Buffer.from('Comment\0a plain note', 'latin1')),
};

/** A PNG with `texts` text chunks of a kind before its image data. */
async function pngWithText(texts: number, kind: keyof typeof TEXT_CHUNKS = 'tEXt'): Promise<{ base: Buffer; withText: Buffer }> {
  const base = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 200, g: 60, b: 10 } } }).png().toBuffer();
  const idat = base.indexOf('IDAT') - 4;
  const text = TEXT_CHUNKS[kind]();
  return { base, withText: Buffer.concat([base.subarray(0, idat), ...Array.from({ length: texts }, () => text), base.subarray(idat)]) };
}

interface TiffKind {
  /** BigTIFF (magic 43, 8-byte offsets and counts, 20-byte entries) rather than classic TIFF. */
  big: boolean;
  /** Byte order: "II" (little-endian) or "MM" (big-endian). */
  little: boolean;
}

/** The entries of tiffWithDirectories's directories: the tags an 8×8 grey image needs. */
const TIFF_IMAGE_TAGS = 9;

/** An 8×8 grey TIFF of `directories` pages, each a directory over the same pixels and `unknownTags` tags of no meaning after its own. */
function tiffWithDirectories(directories: number, { big, little }: TiffKind = { big: false, little: true }, unknownTags = 0): Buffer {
  const entries: [number, number, number, number][] = [
    [256, 4, 1, 8], [257, 4, 1, 8], [258, 3, 1, 8], [259, 3, 1, 1], [262, 3, 1, 1], [273, 4, 1, 8], [277, 3, 1, 1], [278, 4, 1, 8], [279, 4, 1, 64],
    ...Array.from({ length: unknownTags }, (_, i): [number, number, number, number] => [60000 + i, 3, 1, 0]),
  ];
  const [countBytes, entryBytes, offsetBytes, header] = big ? [8, 20, 8, 16] : [2, 12, 4, 8];
  const size = countBytes + entryBytes * entries.length + offsetBytes;
  const first = header + 64;
  const out = Buffer.alloc(first + size * directories);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const offset = (value: number, at: number): void => (big ? view.setBigUint64(at, BigInt(value), little) : view.setUint32(at, value, little));
  out.write(little ? 'II' : 'MM', 0, 'latin1');
  view.setUint16(2, big ? 43 : 42, little);
  if (big) view.setUint16(4, 8, little);
  offset(first, big ? 8 : 4);
  out.fill(0x80, header, first);
  for (let d = 0; d < directories; d++) {
    const at = first + size * d;
    if (big) view.setBigUint64(at, BigInt(entries.length), little);
    else view.setUint16(at, entries.length, little);
    entries.forEach(([tag, type, count, value], i) => {
      const entry = at + countBytes + entryBytes * i;
      view.setUint16(entry, tag, little);
      view.setUint16(entry + 2, type, little);
      offset(count, entry + 4);
      // A value fits in its field left-justified: a SHORT in its first 2 bytes, a LONG in 4.
      if (type === 3) view.setUint16(entry + 4 + offsetBytes, value, little);
      else view.setUint32(entry + 4 + offsetBytes, value, little);
    });
    offset(d < directories - 1 ? at + size : 0, at + size - offsetBytes);
  }
  return out;
}

test('a PNG with more text chunks than the cap is read without them; one at the cap is read as it is', async () => {
  const over = await pngWithText(MAX_PNG_TEXT_CHUNKS + 1);
  assert.ok(Buffer.from(withoutCostlyMetadata(over.withText)).equals(over.base), 'the text chunks, and only they, are left out');
  const at = await pngWithText(MAX_PNG_TEXT_CHUNKS);
  assert.equal(withoutCostlyMetadata(at.withText), at.withText, 'the same bytes, not a copy');
  // Through the decoder: the same pixels as the file without the chunks.
  const ref = { name: 'texts.png', bytes: over.withText };
  assert.deepEqual(await probeImage(ref), { width: 40, height: 30, format: 'png', bytes: over.base.length, cheapToDecode: true });
  assert.deepEqual((await decodeRgb(ref)).data, (await decodeRgb({ name: 'base.png', bytes: over.base })).data);
});

test('the pass over a PNG\'s chunks comes back with bytes returned as they were, for the probe to judge them without a second pass', async () => {
  const at = await pngWithText(MAX_PNG_TEXT_CHUNKS);
  const kept = await withoutCostlyMetadataInSlices(at.withText);
  assert.equal(kept.bytes, at.withText);
  assert.deepEqual(kept.pngChunks && { texts: kept.pngChunks.texts, ended: kept.pngChunks.ended, plain: kept.pngChunks.plain }, { texts: MAX_PNG_TEXT_CHUNKS, ended: true, plain: true });
  // Trimmed bytes are another file: no pass over them is handed back.
  const over = await pngWithText(MAX_PNG_TEXT_CHUNKS + 1);
  const trimmed = await withoutCostlyMetadataInSlices(over.withText);
  assert.ok(Buffer.from(trimmed.bytes).equals(over.base));
  assert.equal(trimmed.pngChunks, undefined);
});

test('a PNG with even one compressed text chunk (zTXt, or iTXt compressed) is read without its text chunks; uncompressed ones are kept', async () => {
  for (const kind of ['zTXt', 'iTXtCompressed'] as const) {
    const one = await pngWithText(1, kind);
    assert.ok(Buffer.from(withoutCostlyMetadata(one.withText)).equals(one.base), kind);
  }
  const plain = await pngWithText(MAX_PNG_TEXT_CHUNKS, 'iTXt');
  assert.equal(withoutCostlyMetadata(plain.withText), plain.withText, 'uncompressed iTXt at the cap: the same bytes');
  // With one compressed chunk among plain ones, all the text goes (they are metadata only).
  const mixed = await pngWithText(2, 'tEXt');
  const idat = mixed.withText.indexOf('IDAT') - 4;
  const withZtxt = Buffer.concat([mixed.withText.subarray(0, idat), TEXT_CHUNKS.zTXt(), mixed.withText.subarray(idat)]);
  assert.ok(Buffer.from(withoutCostlyMetadata(withZtxt)).equals(mixed.base));
});

test('a PNG with more ancillary chunks than the cap is read without them, but for its first tRNS; one at the cap is read as it is', async () => {
  // A palette image with transparency: its tRNS is the one ancillary chunk kept.
  const base = await sharp({ create: { width: 40, height: 30, channels: 4, background: { r: 200, g: 60, b: 10, alpha: 0.5 } } }).png({ palette: true }).toBuffer();
  const chunkTypes = (png: Uint8Array): string[] => {
    const types: string[] = [];
    for (let at = 8; at + 12 <= png.length; at += 12 + Buffer.from(png).readUInt32BE(at)) types.push(Buffer.from(png.subarray(at + 4, at + 8)).toString('latin1'));
    return types;
  };
  assert.deepEqual(chunkTypes(base), ['IHDR', 'PLTE', 'tRNS', 'pHYs', 'IDAT', 'IEND']);
  const idat = base.indexOf('IDAT') - 4;
  // Empty tIME chunks: libpng warns of each (too short), and sharp hands each warning to JavaScript.
  const flood = (n: number) => Buffer.concat([base.subarray(0, idat), ...Array.from({ length: n }, () => pngChunk('tIME', new Uint8Array(0))), base.subarray(idat)]);
  const over = flood(MAX_PNG_ANCILLARY_CHUNKS - 1); // with tRNS and pHYs, one over
  assert.deepEqual(chunkTypes(withoutCostlyMetadata(over)), ['IHDR', 'PLTE', 'tRNS', 'IDAT', 'IEND'], 'the tIME chunks and pHYs go, the tRNS stays');
  const at = flood(MAX_PNG_ANCILLARY_CHUNKS - 2);
  assert.equal(withoutCostlyMetadata(at), at, 'the same bytes, not a copy');
  assert.deepEqual((await decodeRgb({ name: 'flood.png', bytes: over })).data, (await decodeRgb({ name: 'base.png', bytes: base })).data);
});

test('a PNG whose chunks do not tile the file is left for the decoder to judge', async () => {
  const { withText } = await pngWithText(MAX_PNG_TEXT_CHUNKS + 4);
  const cut = withText.subarray(0, withText.length - 100);
  assert.equal(withoutCostlyMetadata(cut), cut);
});

for (const kind of [{ big: false, little: true }, { big: false, little: false }, { big: true, little: true }, { big: true, little: false }]) {
  const name = `${kind.big ? 'BigTIFF' : 'TIFF'} (${kind.little ? 'little' : 'big'}-endian)`;
  test(`a ${name} with more directories than the cap keeps its first only; one at the cap, or one whose links loop, is read as it is`, async () => {
    const over = tiffWithDirectories(MAX_TIFF_DIRECTORIES + 1, kind);
    const trimmed = withoutCostlyMetadata(over);
    assert.notEqual(trimmed, over);
    assert.equal((await sharp(trimmed).metadata()).pages, 1);
    assert.equal((await sharp(over).metadata()).pages, MAX_TIFF_DIRECTORIES + 1, 'the input is not changed in place');
    assert.deepEqual((await decodeRgb({ name: 'pages.tif', bytes: over })).data, (await decodeRgb({ name: 'one.tif', bytes: tiffWithDirectories(1, kind) })).data);
    const at = tiffWithDirectories(MAX_TIFF_DIRECTORIES, kind);
    assert.equal(withoutCostlyMetadata(at), at);
    // The last directory links back to the first: the walk stops at the loop.
    const loop = Buffer.from(tiffWithDirectories(3, kind));
    const view = new DataView(loop.buffer, loop.byteOffset, loop.byteLength);
    if (kind.big) view.setBigUint64(loop.length - 8, 80n, kind.little);
    else view.setUint32(loop.length - 4, 72, kind.little);
    assert.equal(withoutCostlyMetadata(loop), loop);
  });

  test(`a ${name} whose first directory has more entries than the cap keeps the first ones; one at the cap is read as it is`, async () => {
    const over = tiffWithDirectories(2, kind, MAX_TIFF_ENTRIES - TIFF_IMAGE_TAGS + 1);
    const trimmed = withoutCostlyMetadata(over);
    assert.notEqual(trimmed, over);
    assert.equal((await sharp(trimmed).metadata()).pages, 1, 'and the pages after it');
    assert.deepEqual((await decodeRgb({ name: 'tags.tif', bytes: over })).data, (await decodeRgb({ name: 'one.tif', bytes: tiffWithDirectories(1, kind) })).data);
    const at = tiffWithDirectories(1, kind, MAX_TIFF_ENTRIES - TIFF_IMAGE_TAGS);
    assert.equal(withoutCostlyMetadata(at), at);
  });
}

test('a queued sample whose PNG loses its text chunks to the decoder still matches its job: the job is keyed by the bytes as sent', async () => {
  const { withText } = await pngWithText(MAX_PNG_TEXT_CHUNKS + 1);
  const ref = { name: 'texts.png', bytes: new Uint8Array(withText) };
  const sample: Sample = { id: 'q', index: 0, task: 'scene', candidates: [], turns: [{ role: 'user', text: '<image>', images: [ref] }], images: [ref] };
  const content = await sampleContent(sample);
  const job = await jobData({ sample, content, key: 'k' }, 'v1', { inlineImages: true });
  const back = await sampleFromJob(job);
  assert.deepEqual(back.images[0].bytes, ref.bytes);
});
