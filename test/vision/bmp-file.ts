// BMP files written from the format's description, for the tests that need one byte by byte: the file
// header and the info header, then what follows them (colour masks, a colour table) and the pixel data.

export interface BmpHeader {
  width: number;
  height: number;
  /** Rows top first: a negative height in the header. Default bottom-up. */
  topDown?: boolean;
  bits: number;
  /** 0 BI_RGB (default), 1 BI_RLE8, 2 BI_RLE4, 3 BI_BITFIELDS. */
  compression?: number;
  /** 40: BITMAPINFOHEADER (default); 124: BITMAPV5HEADER, zero past the fields written here. */
  headerSize?: number;
  /** The colour count (biClrUsed). Default 0. */
  colours?: number;
  /** The pixel data's size (biSizeImage). Default 0, which an uncompressed file may give. */
  imageSize?: number;
}

/** BITMAPFILEHEADER and the info header, then `between` (the masks after a 40-byte header, a colour table) and `pixels`. */
export function bmpFile({ width, height, topDown = false, bits, compression = 0, headerSize = 40, colours = 0, imageSize = 0 }: BmpHeader, between: Uint8Array, pixels: Uint8Array): Buffer {
  const header = Buffer.alloc(14 + headerSize);
  header.write('BM', 0, 'ascii');
  header.writeUInt32LE(header.length + between.length + pixels.length, 2);
  header.writeUInt32LE(header.length + between.length, 10);
  header.writeUInt32LE(headerSize, 14);
  header.writeInt32LE(width, 18);
  header.writeInt32LE(topDown ? -height : height, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(bits, 28);
  header.writeUInt32LE(compression, 30);
  header.writeUInt32LE(imageSize, 34);
  header.writeUInt32LE(colours, 46);
  return Buffer.concat([header, between, pixels]);
}

/** Writes the three colour masks (red, green, blue) where the format keeps them: at byte 54, after a 40-byte header or inside a larger one. */
export function writeMasks(file: Buffer, masks: readonly number[]): void {
  masks.forEach((mask, i) => file.writeUInt32LE(mask >>> 0, 54 + i * 4));
}
