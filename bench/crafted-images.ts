// Images crafted to cost far more to decode than their size says, for the hostile section.
// manyScanJpeg: a progressive JPEG whose AC coefficients come in every scan the standard allows (63
// bands × 14 successive-approximation levels × 3 components = 2,646 scans), each scan one end-of-band
// run covering the whole component. About 86 KB for 2828 × 2828 (8 MP); libjpeg reads every scan over
// every block, about 1 s on this machine (from a helper's review, 2026-12-08, which wrote it).
// paethRgbaPng: an RGBA PNG whose every row is filtered with Paeth, the costliest filter to undo; at
// 8 MP the costliest image a second helper's attack found among those the text lane checks (71–77 ms).
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { pngChunk } from '../test/vision/png-chunk.js';

/** The highest successive-approximation bit: Al runs 13 → 0 (14 levels). */
const MAX_AL = 13;

export async function manyScanJpeg(side: number): Promise<Buffer> {
  const base = await sharp({ create: { width: side, height: side, channels: 3, background: { r: 200, g: 120, b: 40 } } }).jpeg({ progressive: true }).toBuffer();
  const out: Buffer[] = [Buffer.from([0xff, 0xd8])];
  // Keep the headers and the DC scans (spectral start 0) of an ordinary progressive JPEG; drop its AC scans.
  for (let at = 2; at < base.length && base[at + 1] !== 0xd9; ) {
    const marker = base[at + 1];
    let end = at + 2 + base.readUInt16BE(at + 2);
    if (marker === 0xda) while (!(base[end] === 0xff && base[end + 1] !== 0 && !(base[end + 1] >= 0xd0 && base[end + 1] <= 0xd7))) end++;
    const segment = base.subarray(at, end);
    const spectralStart = marker === 0xda ? segment[5 + 2 * segment[4]] : 0;
    if (spectralStart === 0) out.push(segment);
    at = end;
  }
  // An AC Huffman table (class 1, id 0) of one code, length 1, for symbol 0xE0: an end-of-band run of 2^14 + n.
  const counts = Buffer.alloc(16);
  counts[0] = 1;
  out.push(Buffer.concat([Buffer.from([0xff, 0xc4, 0x00, 2 + 1 + 16 + 1, 0x10]), counts, Buffer.from([0xe0])]));
  const lumaBlocks = Math.ceil(side / 8) ** 2;
  const chromaBlocks = Math.ceil(Math.ceil(side / 2) / 8) ** 2;
  for (const [component, blocks] of [[1, lumaBlocks], [2, chromaBlocks], [3, chromaBlocks]] as const) {
    const data = endOfBandRuns(blocks);
    for (let band = 1; band <= 63; band++) {
      for (let al = MAX_AL, ah = 0; al >= 0; ah = al, al--) out.push(Buffer.from([0xff, 0xda, 0x00, 8, 1, component, 0x00, band, band, (ah << 4) | al]), data);
    }
  }
  out.push(Buffer.from([0xff, 0xd9]));
  return Buffer.concat(out);
}

/** Entropy-coded data of end-of-band runs covering `blocks` blocks: code 0, then 14 bits of run length. */
function endOfBandRuns(blocks: number): Buffer {
  const bits: number[] = [];
  for (let left = blocks; left > 0; ) {
    const run = Math.min(32767, Math.max(16384, left));
    bits.push(0);
    for (let k = 13; k >= 0; k--) bits.push(((run - 16384) >> k) & 1);
    left -= run;
  }
  while (bits.length % 8) bits.push(1);
  const bytes: number[] = [];
  for (let k = 0; k < bits.length; k += 8) {
    let v = 0;
    for (let j = 0; j < 8; j++) v = (v << 1) | bits[k + j];
    bytes.push(v);
    if (v === 0xff) bytes.push(0); // byte stuffing
  }
  return Buffer.from(bytes);
}

export function paethRgbaPng(width: number, height: number): Buffer {
  const stride = width * 4 + 1;
  const raw = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) raw[y * stride] = 4; // Paeth; zero differences after the first row
  for (let i = 1, x = 1; i < stride; i++) raw[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, adaptive filters, not interlaced
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', header), pngChunk('IDAT', deflateSync(raw)), pngChunk('IEND', Buffer.alloc(0))]);
}
