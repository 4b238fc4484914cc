// A palette PNG (colour type 3) from rows of colour indices, for image formats whose pixels are
// indices into a colour table (BMP): the rows go in as they are, so no pixel is looked up in
// JavaScript, and zlib compresses them off the event loop.
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { PNG_SIGNATURE } from './png-chunks.js';

const deflateAsync = promisify(zlib.deflate);

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
  // One concat copies each chunk's data once: the compressed rows can be megabytes, and this runs on the event loop.
  const png = Buffer.concat([PNG_SIGNATURE, ...chunk('IHDR', header), ...chunk('PLTE', palette), ...chunk('IDAT', await deflateAsync(scanlines, { level: 1 })), ...chunk('IEND', new Uint8Array(0))]);
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

/** A chunk as its three parts (length and type, data, CRC of type and data), for the caller's one concat. */
function chunk(type: string, data: Uint8Array): [Uint8Array, Uint8Array, Uint8Array] {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(crc32(data, crc32(head.subarray(4))), 0);
  return [head, data, tail];
}

let crcTable: Uint32Array | undefined;
/** CRC-32 (IEEE, as PNG and zlib use it), in JavaScript: zlib.crc32 came in Node 20.15, and the package runs on 20.9. */
/** `value` is the CRC of the bytes before `data`, as zlib.crc32 takes it, so a CRC can run over parts. */
export function crc32InJs(data: Uint8Array, value = 0): number {
  crcTable ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let c = (value ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// Read off the namespace: a named import of an export Node lacks fails the whole module at load.
type Crc32 = (data: Uint8Array, value?: number) => number;
const crc32: Crc32 = (zlib as { crc32?: Crc32 }).crc32 ?? crc32InJs;
