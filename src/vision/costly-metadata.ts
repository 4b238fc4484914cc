// Metadata that costs more to read than the pixels cost to decode, left out before libvips opens the
// file. libvips parses it at every open (the service's probe, then the worker's decode): a 100×100 PNG
// with 636 compressed text chunks took 0.68 s a metadata read, and an 8×8 TIFF with 90,000 directories
// 0.62 s, against a few ms for either's pixels. Neither kind says anything about the pixels we read
// (the first page only), so they are dropped rather than refused: a refused sample is an answer lost.
// Files under the caps are returned as they are, byte for byte, so their content hashes (the
// feature cache's keys) do not change.

/** More text chunks (tEXt, zTXt, iTXt) than this in a PNG and all of them are left out. */
export const MAX_PNG_TEXT_CHUNKS = 8;
/** More directories (pages) than this in a TIFF and all but the first are left out. */
export const MAX_TIFF_DIRECTORIES = 64;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const TEXT_CHUNKS = new Set(['tEXt', 'zTXt', 'iTXt']);

/** The bytes without costly metadata, or the same bytes (not a copy) when there is none to leave out. */
export function withoutCostlyMetadata(bytes: Uint8Array): Uint8Array {
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return withoutPngText(bytes);
  return firstTiffDirectoryOnly(bytes);
}

/** A PNG's chunks as [start, end) spans; undefined if they do not tile the file (the decoder judges it then). */
function pngChunks(bytes: Uint8Array): { type: string; start: number; end: number }[] | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: { type: string; start: number; end: number }[] = [];
  let at = PNG_SIGNATURE.length;
  while (at + 12 <= bytes.length) {
    const end = at + 12 + view.getUint32(at);
    if (end > bytes.length) return undefined;
    const type = String.fromCharCode(bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]);
    chunks.push({ type, start: at, end });
    at = end;
    if (type === 'IEND') break;
  }
  return chunks;
}

function withoutPngText(bytes: Uint8Array): Uint8Array {
  const chunks = pngChunks(bytes);
  if (!chunks || chunks.filter((c) => TEXT_CHUNKS.has(c.type)).length <= MAX_PNG_TEXT_CHUNKS) return bytes;
  const kept = chunks.filter((c) => !TEXT_CHUNKS.has(c.type));
  const last = chunks[chunks.length - 1].end;
  const out = new Uint8Array(PNG_SIGNATURE.length + kept.reduce((n, c) => n + c.end - c.start, 0) + (bytes.length - last));
  out.set(bytes.subarray(0, PNG_SIGNATURE.length));
  let at = PNG_SIGNATURE.length;
  for (const c of kept) {
    out.set(bytes.subarray(c.start, c.end), at);
    at += c.end - c.start;
  }
  out.set(bytes.subarray(last), at);
  return out;
}

/**
 * A classic TIFF (not BigTIFF) whose chain of directories is longer than MAX_TIFF_DIRECTORIES, with
 * the first directory's link to the next set to 0; any other bytes as they are.
 */
function firstTiffDirectoryOnly(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 8) return bytes;
  const little = bytes[0] === 0x49 && bytes[1] === 0x49;
  if (!little && !(bytes[0] === 0x4d && bytes[1] === 0x4d)) return bytes;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(2, little) !== 42) return bytes;
  const first = view.getUint32(4, little);
  let offset = first;
  const seen = new Set<number>();
  // Walked to one past the cap at most; a link out of the file or back to a directory seen ends it.
  while (offset !== 0 && seen.size <= MAX_TIFF_DIRECTORIES) {
    if (seen.has(offset) || offset + 2 > bytes.length) break;
    seen.add(offset);
    const next = offset + 2 + 12 * view.getUint16(offset, little);
    if (next + 4 > bytes.length) break;
    offset = view.getUint32(next, little);
  }
  if (seen.size <= MAX_TIFF_DIRECTORIES) return bytes;
  const out = new Uint8Array(bytes);
  const link = first + 2 + 12 * view.getUint16(first, little);
  new DataView(out.buffer).setUint32(link, 0, little);
  return out;
}
