// A palette PNG (colour type 3) from rows of colour indices, for image formats whose pixels are
// indices into a colour table (BMP): the rows go in as they are, so no pixel is looked up in
// JavaScript, and zlib compresses them off the event loop.
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';

const deflateAsync = promisify(zlib.deflate);
const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

export interface PaletteImage {
  width: number;
  height: number;
  /** 1, 4 or 8: pixels a byte packs, leftmost in the high bits. */
  bitDepth: 1 | 4 | 8;
  /** RGB triples, at most 2^bitDepth; an index past the end is an error to a decoder, so callers give them all. */
  palette: Uint8Array;
  /** Each row, top first, behind its filter byte (0, none): height × (1 + ceil(width × bitDepth / 8)) bytes. */
  scanlines: Uint8Array;
}

export async function encodePalettePng({ width, height, bitDepth, palette, scanlines }: PaletteImage): Promise<Uint8Array> {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = bitDepth;
  header[9] = 3; // colour type: palette; compression, filter and interlace stay 0
  const png = Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('PLTE', palette), chunk('IDAT', await deflateAsync(scanlines, { level: 1 })), chunk('IEND', new Uint8Array(0))]);
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

let crcTable: Uint32Array | undefined;
/** CRC-32 (IEEE, as PNG and zlib use it), in JavaScript: zlib.crc32 came in Node 20.15, and the package runs on 20.9. */
export function crc32InJs(data: Uint8Array): number {
  crcTable ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// Read off the namespace: a named import of an export Node lacks fails the whole module at load.
const crc32: (data: Uint8Array) => number = (zlib as { crc32?: (data: Uint8Array) => number }).crc32 ?? crc32InJs;
