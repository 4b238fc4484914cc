// Whether an image's decode cost follows its pixels and bytes, read from its header bytes alone: the
// service checks a dialogue's images in its text lane only when it does (runtime/lanes.ts). Admitted,
// by a whitelist of what libjpeg and libpng read before the pixels:
// - a sequential JPEG (baseline or extended Huffman, SOF0 or SOF1, 8 bits, 1 or 3 components, its
//   first scan holding them all: one pass over the data, scaled down while it is read), its segments
//   before that scan only the tables, restart interval, comments and application data;
// - a PNG of at most 8 bits a sample, not interlaced, with only the chunks listed below (no colour
//   profile, no compressed text).
// Other codings can cost far more for the same size (a helper's attack, 2026-12-08, on the version that
// looked at the frame marker alone): a progressive JPEG of 2,646 empty scans (86 KB, 8 MP) took about
// 1 s, and one hidden behind a stray FF 00 after the start marker 1.8 s; an 8 MP AVIF of 526 bytes
// 190 ms; each of 16 tiny CMYK JPEGs 21–30 ms for its colour transform; a sequential JPEG whose first
// scan held one component of three 105 ms (1.5 KB) to 177 ms (1 MiB). A baseline JPEG of 2.8 MB and
// 8 MP took 25–30 ms. Anything this does not recognise is not cheap, nor is a file over
// CHEAP_DECODE_MAX_BYTES (the walk runs on the service's event loop: it stays short).

import { runToEnd } from '../runtime/in-slices.js';
import { isPng, scanPngChunks, type PngChunks } from './png-chunks.js';

/** JPEG markers with a length that may come before the frame and the first scan: DHT, DQT, DRI, COM, APP0–APP15. */
function isJpegTableOrData(marker: number): boolean {
  return marker === 0xc4 || marker === 0xdb || marker === 0xdd || marker === 0xfe || (marker >= 0xe0 && marker <= 0xef);
}

/** The largest file judged (the text lane takes 1 MiB of images a dialogue: runtime/lanes.ts). */
export const CHEAP_DECODE_MAX_BYTES = 1024 * 1024;

/**
 * `pngChunks`: the pass over these bytes' chunks that the caller made already (costly-metadata.ts
 * makes one for every PNG it reads), so that a PNG is walked once.
 */
export function isCheapToDecode(bytes: Uint8Array, pngChunks?: PngChunks): boolean {
  if (bytes.length > CHEAP_DECODE_MAX_BYTES) return false;
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xd8) return cheapJpeg(bytes);
  if (isPng(bytes)) return (pngChunks ?? runToEnd(scanPngChunks(bytes)))?.plain === true;
  return false;
}

/** Walks the segments from the start marker to the first scan. */
function cheapJpeg(bytes: Uint8Array): boolean {
  let components = 0;
  let at = 2;
  while (at + 2 <= bytes.length) {
    if (bytes[at] !== 0xff) return false;
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at += 1; // a fill byte before the marker
      continue;
    }
    // The first scan must hold every component of the frame: then libjpeg decodes that one scan in one
    // pass and ignores any after it. With fewer, it buffers the whole image's coefficients and passes
    // over every block again for each later scan (a 1.5 KB JPEG of 8 MP took 105 ms, a 1 MiB one 177 ms).
    if (marker === 0xda) return components > 0 && at + 4 < bytes.length && bytes[at + 4] === components;
    if (at + 4 > bytes.length) return false;
    const length = (bytes[at + 2] << 8) | bytes[at + 3];
    if (length < 2 || at + 2 + length > bytes.length) return false;
    if (marker === 0xc0 || marker === 0xc1) {
      if (components > 0 || length < 8) return false;
      const precision = bytes[at + 4];
      components = bytes[at + 9];
      if (precision !== 8 || (components !== 1 && components !== 3)) return false;
    } else if (!isJpegTableOrData(marker)) {
      return false;
    }
    at += 2 + length;
  }
  return false;
}
