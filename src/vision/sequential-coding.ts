// Whether an image's coding makes its decode cost follow its pixels and bytes: a sequential JPEG
// (baseline or extended, Huffman: one pass over the data, scaled down while it is read) or a PNG of
// at most 8 bits a sample, not interlaced. Other codings can cost far more for the same size: a
// progressive JPEG of 2,646 empty scans (86 KB, 8 MP) took about 1 s to decode, an 8 MP AVIF of 526
// bytes 190 ms, where a baseline JPEG of 2.8 MB and 8 MP took 25–30 ms. The service checks a
// dialogue's images in its text lane only when they are coded so (runtime/lanes.ts).
// Reads the header bytes only; anything it does not recognise is not sequential.

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The JPEG frame markers of sequential Huffman coding: SOF0 (baseline) and SOF1 (extended). */
const SEQUENTIAL_FRAMES = new Set([0xc0, 0xc1]);

/** Every other start-of-frame marker: progressive, lossless, arithmetic and hierarchical codings. */
const OTHER_FRAMES = new Set([0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

export function isSequentialCoding(bytes: Uint8Array): boolean {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xd8) return sequentialJpeg(bytes);
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return plainPng(bytes);
  return false;
}

/** Walks the marker segments before the first scan to the frame header. */
function sequentialJpeg(bytes: Uint8Array): boolean {
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return false;
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at += 1; // a fill byte before the marker
      continue;
    }
    if (SEQUENTIAL_FRAMES.has(marker)) return true;
    if (OTHER_FRAMES.has(marker) || marker === 0xda || marker === 0xd9) return false; // no frame header before the scan
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // markers without a length
      continue;
    }
    at += 2 + ((bytes[at + 2] << 8) | bytes[at + 3]);
  }
  return false;
}

/** IHDR is the first chunk: bit depth at byte 24, interlace method at byte 28. */
function plainPng(bytes: Uint8Array): boolean {
  const ihdr = bytes.length >= 29 && bytes[12] === 0x49 && bytes[13] === 0x48 && bytes[14] === 0x44 && bytes[15] === 0x52;
  return ihdr && bytes[24] <= 8 && bytes[28] === 0;
}
