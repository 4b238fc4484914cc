// What a PNG's chunks say, read in one pass from their headers: costly-metadata.ts decides from it
// which chunks to leave out, cheap-decode.ts whether libpng's cost follows the pixels. One pass serves
// both (the service probes every upload on its event loop), and the chunk facts are written once.
// Chunk types are compared as 32-bit numbers: a walk that made a string and an object a chunk took
// 100–165 ms over the 870,000 empty chunks a 10 MB PNG can hold.

export const PNG_SIGNATURE: Readonly<Uint8Array> = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

export function isPng(bytes: Uint8Array): boolean {
  if (bytes.length < PNG_SIGNATURE.length) return false;
  for (let i = 0; i < PNG_SIGNATURE.length; i++) if (bytes[i] !== PNG_SIGNATURE[i]) return false;
  return true;
}

/** A chunk type's four letters as the big-endian number its header holds. */
export function chunkTypeCode(name: string): number {
  return ((name.charCodeAt(0) << 24) | (name.charCodeAt(1) << 16) | (name.charCodeAt(2) << 8) | name.charCodeAt(3)) >>> 0;
}

export const IHDR = chunkTypeCode('IHDR');
export const IEND = chunkTypeCode('IEND');
export const TRNS = chunkTypeCode('tRNS');
const TEXT = chunkTypeCode('tEXt');
const ZTXT = chunkTypeCode('zTXt');
const ITXT = chunkTypeCode('iTXt');

/** Chunks libpng reads at a cost that follows their size; any other (iCCP, zTXt, APNG's...) may cost far more. */
const PLAIN_CHUNKS = new Set(['IHDR', 'PLTE', 'IDAT', 'IEND', 'tRNS', 'gAMA', 'cHRM', 'sRGB', 'pHYs', 'sBIT', 'bKGD', 'hIST', 'tIME', 'tEXt', 'iTXt', 'eXIf'].map(chunkTypeCode));

/** The type of the chunk whose length field starts at `at`. */
export function chunkTypeAt(view: DataView, at: number): number {
  return view.getUint32(at + 4);
}

/** An ancillary chunk's type starts with a lower-case letter (bit 5 of its first byte). */
export function isAncillaryChunk(type: number): boolean {
  return (type & 0x20000000) !== 0;
}

/** tEXt, zTXt or iTXt. */
export function isTextChunk(type: number): boolean {
  return type === TEXT || type === ZTXT || type === ITXT;
}

/**
 * Whether the text chunk at `at` (ending at `end`, CRC included) is compressed: zTXt always; iTXt when
 * the flag after its keyword (at most 79 bytes and a 0) says so. An iTXt with no keyword end, or no
 * flag byte after it inside its data, is malformed and counted compressed, which both readers take as
 * the costly case.
 */
export function isCompressedTextChunk(bytes: Uint8Array, type: number, at: number, end: number): boolean {
  if (type === ZTXT) return true;
  if (type !== ITXT) return false;
  const data = at + 8;
  const dataEnd = end - 4;
  for (let i = data; i < Math.min(data + 80, dataEnd); i++) if (bytes[i] === 0) return i + 1 >= dataEnd || bytes[i + 1] !== 0;
  return true;
}

export interface PngChunks {
  /** Where the last chunk ends: IEND's end, or where the chunks stop when no IEND was found. */
  end: number;
  /** An IEND was reached (what follows it is not walked). */
  ended: boolean;
  /** Text chunks, and how many of them are compressed. */
  texts: number;
  compressed: number;
  /** Ancillary chunks of any kind. */
  ancillary: number;
  /**
   * A well-formed IHDR first (at most 8 bits a sample, not interlaced), only chunks of PLAIN_CHUNKS,
   * no compressed text, and an IEND: libpng's cost then follows the pixels and the bytes.
   */
  plain: boolean;
}

/** Chunks walked between two chances to pause. */
const CHUNKS_PER_STEP = 4096;

/**
 * One pass over a PNG's chunk headers (the bytes start with PNG_SIGNATURE), yielding now and then so
 * that a caller can run it in slices; undefined when a chunk runs past the end of the file (the decoder
 * judges such a file).
 */
export function* scanPngChunks(bytes: Uint8Array): Generator<undefined, PngChunks | undefined> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = PNG_SIGNATURE.length;
  let texts = 0;
  let compressed = 0;
  let ancillary = 0;
  let plain = true;
  for (let walked = 1; at + 12 <= bytes.length; walked++) {
    if (walked % CHUNKS_PER_STEP === 0) yield;
    const end = at + 12 + view.getUint32(at);
    if (end > bytes.length) return undefined;
    const type = chunkTypeAt(view, at);
    if (isAncillaryChunk(type)) ancillary++;
    if (isTextChunk(type)) {
      texts++;
      if (isCompressedTextChunk(bytes, type, at, end)) {
        compressed++;
        plain = false;
      }
    }
    if (plain) plain = PLAIN_CHUNKS.has(type) && (walked === 1) === (type === IHDR) && (type !== IHDR || plainHeader(bytes, at, end));
    if (type === IEND) return { end, ended: true, texts, compressed, ancillary, plain };
    at = end;
  }
  return { end: at, ended: false, texts, compressed, ancillary, plain: false };
}

/** IHDR's 13 bytes with a bit depth of at most 8 and no interlacing. */
function plainHeader(bytes: Uint8Array, at: number, end: number): boolean {
  return end - at === 25 && bytes[at + 16] <= 8 && bytes[at + 20] === 0;
}
