// Windows BMP, which sharp's prebuilt libvips does not read: a screenshot saved from Paint is one.
// The common kinds (24-bit; 32-bit; 16-bit; 1-, 4- and 8-bit with a colour table, plain or run-length
// encoded; bottom-up or top-down rows) are turned into PNG before anything else
// sees them, so that every later step (the probe, the decode, the content hash, a data URL for an LLM
// server) reads them as any PNG. A large BMP must not hold the event loop: the pixels of a 24-bit,
// 8-8-8 32-bit or uncompressed colour-table one are never touched one by one in JavaScript (rows are
// copied out of their 4-byte padding; sharp does the flip and the BGR → RGB swap of 24- and 32-bit ones
// natively, and a colour-table BMP becomes a palette PNG as it is, its rows packing their pixels as a
// PNG's do: palette-png.ts); a run-length encoded one, or one whose pixels are bit fields (16-bit, and
// 32-bit with other masks than 8-8-8), is unpacked in JavaScript with turns given to the event loop on
// the way (bmp-rle.ts, bmp-masks.ts).
import type { Sharp } from 'sharp';
import { loadSharp, sharpIfLoaded } from './lazy-sharp.js';
import { decodeRleScanlines } from './bmp-rle.js';
import { maskedRgb, readableMasks, RGB555, type ColourMasks } from './bmp-masks.js';
import { encodePalettePng } from './palette-png.js';

/** What the header says and where the rows are; `unsupported` says which kind of BMP this is when it is not read. */
export type BmpLayout =
  | {
      width: number;
      height: number;
      bitsPerPixel: 1 | 4 | 8 | 16 | 24 | 32;
      bottomUp: boolean;
      pixelOffset: number;
      /** Where the headers, colour masks and colour table end: the pixels may not start before it. */
      dataStart: number;
      rowStride: number;
      /** Bits 1, 4 and 8: the colour table as RGB triples, 2^bits entries (those the file leaves out are black). */
      palette?: Uint8Array;
      /** The pixels are run-length encoded (RLE8 for 8 bits, RLE4 for 4); `rowStride` is then 0. */
      rle?: boolean;
      /** Bits 16, and 32 with other masks than 8-8-8: where each colour sits in a pixel's word. */
      masks?: ColourMasks;
    }
  | { unsupported: string };

const INFO_HEADER_SIZES = new Set([40, 52, 56, 108, 124]);
const BI_RGB = 0;
const BI_BITFIELDS = 3;
const BI_RLE8 = 1;
const BI_RLE4 = 2;
const COMPRESSION_NAMES: Readonly<Record<number, string>> = { 1: 'an RLE8-compressed BMP', 2: 'an RLE4-compressed BMP', 4: 'a BMP holding a JPEG', 5: 'a BMP holding a PNG', 6: 'a BMP with alpha bit fields' };

/** True for bytes that start like a BMP file: 'BM' and one of the known DIB header sizes. */
export function looksLikeBmp(bytes: Uint8Array): boolean {
  return bytes.length >= 18 && bytes[0] === 0x42 && bytes[1] === 0x4d && [12, ...INFO_HEADER_SIZES].includes(readU32(bytes, 14));
}

function readU32(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}

function readI32(bytes: Uint8Array, at: number): number {
  return bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24);
}

function readU16(bytes: Uint8Array, at: number): number {
  return bytes[at] | (bytes[at + 1] << 8);
}

/** Reads the headers of a BMP file (see looksLikeBmp); throws an Error naming what is wrong with a damaged one. */
export function bmpLayout(bytes: Uint8Array): BmpLayout {
  const headerSize = readU32(bytes, 14);
  if (!INFO_HEADER_SIZES.has(headerSize)) return { unsupported: 'an OS/2 BMP' };
  if (bytes.length < 14 + headerSize) throw new Error('the BMP header is cut short');
  const width = readI32(bytes, 18);
  const signedHeight = readI32(bytes, 22);
  const bitCount = readU16(bytes, 28);
  const compression = readU32(bytes, 30);
  if (width <= 0 || signedHeight === 0 || signedHeight === -2147483648) throw new Error(`the BMP header gives ${width}×${signedHeight} pixels`);
  const headersEnd = 14 + headerSize;
  const rle = (bitCount === 8 && compression === BI_RLE8) || (bitCount === 4 && compression === BI_RLE4);
  if (COMPRESSION_NAMES[compression] && !rle) return { unsupported: `${COMPRESSION_NAMES[compression]}${compression === BI_RLE8 || compression === BI_RLE4 ? ` of ${bitCount} bits` : ''}` };
  if ((bitCount === 1 || bitCount === 4 || bitCount === 8) && (compression === BI_RGB || rle)) {
    const { palette, colours } = colourTable(bytes, headersEnd, bitCount);
    // A table of no colour: its pixels would start inside the headers or where the table should be.
    const rows = layout(bytes, width, signedHeight, bitCount, headersEnd + Math.max(colours, 1) * 4);
    return rle ? { ...rows, rowStride: 0, palette, rle } : { ...rows, palette };
  }
  if (bitCount === 24 && compression === BI_RGB) return layout(bytes, width, signedHeight, 24, headersEnd);
  if (bitCount === 32 && compression === BI_RGB) return layout(bytes, width, signedHeight, 32, headersEnd);
  if (bitCount === 16 && compression === BI_RGB) return { ...layout(bytes, width, signedHeight, 16, headersEnd), masks: RGB555 };
  if ((bitCount === 16 || bitCount === 32) && compression === BI_BITFIELDS) {
    // The masks follow a 40-byte header, or sit inside a larger one at the same place.
    if (bytes.length < 66) throw new Error('the BMP colour masks are cut short');
    const masks = { red: readU32(bytes, 54), green: readU32(bytes, 58), blue: readU32(bytes, 62) };
    const rows = layout(bytes, width, signedHeight, bitCount, Math.max(headersEnd, 66));
    // The usual 32-bit masks need no unpacking: sharp swaps the bytes natively.
    if (bitCount === 32 && masks.red === 0xff0000 && masks.green === 0xff00 && masks.blue === 0xff) return rows;
    if (readableMasks(masks, bitCount)) return { ...rows, masks };
    // Named with its masks and the rule, since the refusal's advice ("a 16/32-bit BMP") fits this file's depth.
    const hex = (mask: number): string => `0x${mask.toString(16)}`;
    return { unsupported: `a ${bitCount}-bit BMP with unusual colour masks (red ${hex(masks.red)}, green ${hex(masks.green)}, blue ${hex(masks.blue)}; each must be one run of at most 16 bits${bitCount === 16 ? ' within the low 16' : ''})` };
  }
  if (compression !== BI_RGB && compression !== BI_BITFIELDS) return { unsupported: `a BMP of compression ${compression}` };
  // "an 8-bit BMP" (an 8-bit one with bit fields), "a 2-bit BMP", "an 11-bit BMP" (a damaged header).
  return { unsupported: `${/^(8|11|18)/.test(String(bitCount)) ? 'an' : 'a'} ${bitCount}-bit BMP` };
}

function layout(bytes: Uint8Array, width: number, signedHeight: number, bitsPerPixel: 1 | 4 | 8 | 16 | 24 | 32, dataStart: number): Extract<BmpLayout, { width: number }> {
  const height = Math.abs(signedHeight);
  const rowStride = Math.ceil((width * bitsPerPixel) / 32) * 4;
  return { width, height, bitsPerPixel, bottomUp: signedHeight > 0, pixelOffset: readU32(bytes, 10), dataStart, rowStride };
}

/**
 * The colour table after the headers (BGR and a reserved byte per entry) as 2^bits RGB triples, the
 * entries the file leaves out black, and how many colours the file gives.
 */
function colourTable(bytes: Uint8Array, start: number, bits: 1 | 4 | 8): { palette: Uint8Array; colours: number } {
  const entries = 2 ** bits;
  // The header's count (0 means "all 2^bits") held to what the file can index, and to the room before
  // its pixels: some writers give no count and a shorter table (as stb_image reads them).
  const room = Math.floor((readU32(bytes, 10) - start) / 4);
  const colours = Math.max(0, Math.min(readU32(bytes, 46) || entries, entries, room));
  if (start + colours * 4 > bytes.length) throw new Error(`the BMP colour table is cut short (${colours} colours from byte ${start}, the file has ${bytes.length})`);
  const palette = new Uint8Array(entries * 3);
  for (let i = 0; i < colours; i++) {
    palette[i * 3] = bytes[start + i * 4 + 2];
    palette[i * 3 + 1] = bytes[start + i * 4 + 1];
    palette[i * 3 + 2] = bytes[start + i * 4];
  }
  return { palette, colours };
}

/** Why the pixel data cannot hold the image the header describes, or undefined; checked after the size limits, so that a huge claim is called too large. */
export function bmpPixelDataProblem(bytes: Uint8Array, { width, height, pixelOffset, dataStart, rowStride, palette, rle }: Extract<BmpLayout, { width: number }>): string | undefined {
  if (pixelOffset < dataStart) return `the BMP pixel data starts at byte ${pixelOffset}, inside the headers${palette ? ' or where the colour table should be' : ''} (they end at byte ${dataStart})`;
  // A run-length encoded one is checked as it is expanded: its length says nothing of the pixel count.
  if (rle) return pixelOffset >= bytes.length ? `the BMP pixel data starts at byte ${pixelOffset}, past the end of the file (${bytes.length} bytes)` : undefined;
  if (pixelOffset + rowStride * height > bytes.length) return `the BMP pixel data is cut short (${width}×${height} pixels need ${rowStride * height} bytes from byte ${pixelOffset}, the file has ${bytes.length})`;
  return undefined;
}

/** The BMP's pixels as a PNG (fast to write, lossless); the caller has checked the size against its limits. */
export async function bmpToPng(bytes: Uint8Array, layout: Extract<BmpLayout, { width: number }>): Promise<Uint8Array> {
  if (layout.palette) return paletteBmpToPng(bytes, layout, layout.palette);
  const { width, height, bitsPerPixel, bottomUp, pixelOffset, rowStride } = layout;
  const sharp = sharpIfLoaded() ?? (await loadSharp());
  if (layout.masks) {
    const rgb = await maskedRgb(bytes, { width, height, bitsPerPixel: bitsPerPixel as 16 | 32, bottomUp, pixelOffset, rowStride, masks: layout.masks });
    return pngBytes(sharp(rgb, { raw: { width, height, channels: 3 } }));
  }
  const channels = bitsPerPixel === 32 ? 4 : 3;
  const rowBytes = width * channels;
  const source = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let rows: Buffer;
  if (rowStride === rowBytes) {
    rows = source.subarray(pixelOffset, pixelOffset + rowBytes * height);
  } else {
    rows = Buffer.allocUnsafe(rowBytes * height);
    for (let y = 0; y < height; y++) source.copy(rows, y * rowBytes, pixelOffset + y * rowStride, pixelOffset + y * rowStride + rowBytes);
  }
  // The fourth byte of a 32-bit BMP is unused in most files (0 everywhere): dropped, not read as alpha.
  let image = sharp(rows, { raw: { width, height, channels } });
  if (channels === 4) image = sharp(await image.removeAlpha().raw().toBuffer(), { raw: { width, height, channels: 3 } });
  if (bottomUp) image = image.flip();
  return pngBytes(
    image.recomb([
      [0, 0, 1],
      [0, 1, 0],
      [1, 0, 0],
    ]),
  );
}

/** An RGB image as PNG bytes at compression level 1: fast to write, and lossless as every level is. */
async function pngBytes(image: Sharp): Promise<Uint8Array> {
  const png = await image.png({ compressionLevel: 1 }).toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

/** A colour-table BMP as a palette PNG of the same bit depth: each row, top first, behind a "no filter" byte. */
async function paletteBmpToPng(bytes: Uint8Array, layout: Extract<BmpLayout, { width: number }>, palette: Uint8Array): Promise<Uint8Array> {
  const { width, height, bitsPerPixel, bottomUp, pixelOffset, rowStride } = layout;
  if (layout.rle) {
    // Expanded to one byte a pixel, whether 8 or 4 bits: an 8-bit palette PNG holds both (RLE4's 16 colours are its first 16).
    const scanlines = await decodeRleScanlines(bytes.subarray(pixelOffset), { width, height, bits: bitsPerPixel as 4 | 8, bottomUp });
    return encodePalettePng({ width, height, bitDepth: 8, palette, scanlines });
  }
  const rowBytes = Math.ceil((width * bitsPerPixel) / 8);
  const source = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const scanlines = Buffer.alloc((rowBytes + 1) * height);
  for (let y = 0; y < height; y++) {
    const from = pixelOffset + (bottomUp ? height - 1 - y : y) * rowStride;
    source.copy(scanlines, y * (rowBytes + 1) + 1, from, from + rowBytes);
  }
  return encodePalettePng({ width, height, bitDepth: bitsPerPixel as 1 | 4 | 8, palette, scanlines });
}
