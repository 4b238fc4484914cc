// Metadata that costs more to read than the pixels cost to decode, left out before libvips opens the
// file. libvips parses it at every open (the service's probe, then the worker's decode): a 100×100 PNG
// with 636 compressed text chunks took 0.68 s a metadata read, and an 8×8 TIFF with 90,000 directories
// 0.62 s (a BigTIFF of 50,000, 0.23 s), against a few ms for either's pixels. A compressed text chunk
// costs what it inflates to, whatever its count: 8 of 39 KB that each inflate to 40 MB took 1.7 s a
// metadata read and 1.6–3 s a decode (a helper's attack, 2026-12-08). So do many ancillary chunks of
// any kind: libpng warns of each malformed one, and sharp hands every warning to JavaScript one at a
// time on the calling thread (10 MiB of empty tIME chunks held the service's event loop 0.55 s in the
// probe; a second attack the same day). Neither kind says
// anything about the pixels we read (the first page only), so they are dropped rather than refused: a
// refused sample is an answer lost.
// Files under the caps are returned as they are, byte for byte, so their content hashes (the
// feature cache's keys) do not change.

import { runInSlices, runToEnd } from '../runtime/in-slices.js';
import { chunkTypeAt, isAncillaryChunk, isPng, isTextChunk, PNG_SIGNATURE, scanPngChunks, TRNS, type PngChunks } from './png-chunks.js';

/** More text chunks (tEXt, zTXt, iTXt) than this in a PNG, or any compressed one, and all of them are left out. */
export const MAX_PNG_TEXT_CHUNKS = 8;
/** More ancillary chunks (of any kind) than this in a PNG and all of them but the first tRNS are left out. */
export const MAX_PNG_ANCILLARY_CHUNKS = 64;
/** More directories (pages) than this in a TIFF and all but the first are left out. */
export const MAX_TIFF_DIRECTORIES = 64;
/**
 * More entries (tags) than this in a TIFF's first directory and those past it are left out, with the
 * pages after it: libtiff's reading grows with the square of their count (4,000 unknown tags in a 47 KB
 * file took 0.7–2.3 s a metadata read, on the service's thread pool; the second attack of 2026-12-08).
 * Entries are sorted by tag, and the ones a decoder needs have low numbers; a file of 20–60 is usual.
 */
export const MAX_TIFF_ENTRIES = 128;

export interface TrimmedImage {
  /** The bytes without costly metadata, or the same bytes (not a copy) when there was none to leave out. */
  bytes: Uint8Array;
  /** The pass over a PNG's chunks, when the bytes came back as they were: a caller judging them needs no second pass. */
  pngChunks?: PngChunks;
}

/** The bytes without costly metadata, or the same bytes (not a copy) when there is none to leave out. */
export function withoutCostlyMetadata(bytes: Uint8Array): Uint8Array {
  return runToEnd(costlyMetadataSteps(bytes)).bytes;
}

/**
 * The same in slices of the event loop: the service probes uploads on it, and a 10 MB PNG may hold
 * 870,000 empty chunks (one pass over them takes 4–7 ms; a walk that made a string and an object for
 * each took 100–165 ms).
 */
export function withoutCostlyMetadataInSlices(bytes: Uint8Array): Promise<TrimmedImage> {
  return runInSlices(costlyMetadataSteps(bytes));
}

function* costlyMetadataSteps(bytes: Uint8Array): Generator<undefined, TrimmedImage> {
  if (isPng(bytes)) return yield* withoutCostlyPngChunks(bytes);
  return { bytes: firstTiffDirectoryOnly(bytes) };
}

/** Chunks copied between two chances to pause. */
const CHUNKS_PER_STEP = 4096;

function* withoutCostlyPngChunks(bytes: Uint8Array): Generator<undefined, TrimmedImage> {
  const scan = yield* scanPngChunks(bytes);
  if (!scan) return { bytes };
  const allAncillary = scan.ancillary > MAX_PNG_ANCILLARY_CHUNKS;
  if (!allAncillary && scan.texts <= MAX_PNG_TEXT_CHUNKS && scan.compressed === 0) return { bytes, pngChunks: scan };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Uint8Array(bytes.length);
  out.set(bytes.subarray(0, PNG_SIGNATURE.length));
  let size = PNG_SIGNATURE.length;
  let transparencyKept = false;
  for (let at = PNG_SIGNATURE.length, walked = 1; at < scan.end; walked++) {
    if (walked % CHUNKS_PER_STEP === 0) yield;
    const end = at + 12 + view.getUint32(at);
    const type = chunkTypeAt(view, at);
    // "tRNS": the one ancillary chunk the pixels may need (a palette's or a colour's transparency).
    const keepTransparency = allAncillary && !transparencyKept && type === TRNS;
    if (keepTransparency) transparencyKept = true;
    const drop = allAncillary ? isAncillaryChunk(type) && !keepTransparency : isTextChunk(type);
    if (!drop) {
      out.set(bytes.subarray(at, end), size);
      size += end - at;
    }
    at = end;
  }
  out.set(bytes.subarray(scan.end), size);
  return { bytes: out.subarray(0, size + bytes.length - scan.end) };
}

/** Where a TIFF's directories keep their sizes: classic TIFF (42) has 32-bit offsets, BigTIFF (43) 64-bit ones. */
interface TiffLayout {
  /** Offset of the first directory's offset in the header. */
  firstAt: number;
  /** Bytes of a directory's entry count, of one entry, of an offset. */
  countBytes: number;
  entryBytes: number;
  offsetBytes: number;
}

const CLASSIC_TIFF: TiffLayout = { firstAt: 4, countBytes: 2, entryBytes: 12, offsetBytes: 4 };
const BIG_TIFF: TiffLayout = { firstAt: 8, countBytes: 8, entryBytes: 20, offsetBytes: 8 };

/**
 * A TIFF or BigTIFF whose first directory has more than MAX_TIFF_ENTRIES entries, with that count cut
 * to the cap and a link to no next directory after them; one whose chain of directories is longer than
 * MAX_TIFF_DIRECTORIES, with the first directory's link to the next set to 0; any other bytes as they are. (A BigTIFF of 50,000 directories,
 * 9.8 MB, took 232 ms a metadata read, 2026-12-07.)
 */
function firstTiffDirectoryOnly(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 16) return bytes;
  const little = bytes[0] === 0x49 && bytes[1] === 0x49;
  if (!little && !(bytes[0] === 0x4d && bytes[1] === 0x4d)) return bytes;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint16(2, little);
  // BigTIFF: offsets of 8 bytes and a 0 after them, as the format requires.
  const layout = magic === 42 ? CLASSIC_TIFF : magic === 43 && view.getUint16(4, little) === 8 && view.getUint16(6, little) === 0 ? BIG_TIFF : undefined;
  if (!layout) return bytes;
  // A 64-bit offset past 2^53 loses its low bits as a number, but stays far out of the file.
  const read = (at: number): number => (layout.offsetBytes === 4 ? view.getUint32(at, little) : Number(view.getBigUint64(at, little)));
  const linkOf = (directory: number): number | undefined => {
    if (directory + layout.countBytes > bytes.length) return undefined;
    const count = layout.countBytes === 2 ? view.getUint16(directory, little) : read(directory);
    const link = directory + layout.countBytes + layout.entryBytes * count;
    return link + layout.offsetBytes <= bytes.length ? link : undefined;
  };
  const first = read(layout.firstAt);
  const entries = first + layout.countBytes <= bytes.length ? (layout.countBytes === 2 ? view.getUint16(first, little) : read(first)) : 0;
  if (entries > MAX_TIFF_ENTRIES && linkOf(first) !== undefined) {
    const out = new Uint8Array(bytes);
    const cut = new DataView(out.buffer);
    const link = first + layout.countBytes + layout.entryBytes * MAX_TIFF_ENTRIES;
    if (layout.countBytes === 2) cut.setUint16(first, MAX_TIFF_ENTRIES, little);
    else cut.setBigUint64(first, BigInt(MAX_TIFF_ENTRIES), little);
    if (layout.offsetBytes === 4) cut.setUint32(link, 0, little);
    else cut.setBigUint64(link, 0n, little);
    return out;
  }
  let offset = first;
  const seen = new Set<number>();
  // Walked to one past the cap at most; a link out of the file or back to a directory seen ends it.
  while (offset !== 0 && seen.size <= MAX_TIFF_DIRECTORIES) {
    if (seen.has(offset)) break;
    const link = linkOf(offset);
    if (link === undefined) break;
    seen.add(offset);
    offset = read(link);
  }
  if (seen.size <= MAX_TIFF_DIRECTORIES) return bytes;
  const out = new Uint8Array(bytes);
  const cut = new DataView(out.buffer);
  const link = linkOf(first)!;
  if (layout.offsetBytes === 4) cut.setUint32(link, 0, little);
  else cut.setBigUint64(link, 0n, little);
  return out;
}
