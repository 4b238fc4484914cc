// Image decoding with the limits a public service needs: a byte cap, a pixel cap (decompression
// bombs), and a clear error naming the item when the bytes are not an image we can read.
// Metadata that costs more to parse than the pixels to decode is left out as the bytes are read
// (costly-metadata.ts).
import type { Metadata } from 'sharp';
import { isMissingPath, readFileCapped, unreadableReason } from '../data/read-file.js';
import { EcommirError, type ItemRef } from '../errors.js';
import type { ImageRef } from '../types.js';
import { bmpLayout, bmpPixelDataProblem, bmpToPng, looksLikeBmp } from './bmp.js';
import { isCheapToDecode } from './cheap-decode.js';
import { withoutCostlyMetadataInSlices } from './costly-metadata.js';
import { DamagedRleError } from './bmp-rle.js';
import { loadSharp, sharpIfLoaded } from './lazy-sharp.js';

export interface ImageLimits {
  /** Largest accepted encoded size, bytes. */
  maxBytes: number;
  /** Largest accepted decoded size, pixels (width × height). */
  maxPixels: number;
  /** Longest accepted side, pixels: a 1 × 40,000,000 strip is under the pixel cap yet slow to decode. */
  maxSide?: number;
  /** A decode still running after this is abandoned (rounded up to whole seconds), ms. */
  decodeTimeoutMs?: number;
}

export const DEFAULT_IMAGE_LIMITS: Readonly<ImageLimits> = Object.freeze({
  maxBytes: 20 * 1024 * 1024, // 20 MiB
  maxPixels: 40_000_000, // 40 MP: a 1080×2400 screenshot is 2.6 MP
  maxSide: 30_000,
  decodeTimeoutMs: 10_000,
});

const FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif', 'heif', 'bmp']);

/** File name endings of the formats the decoder reads, for listing the images in a folder. */
export const IMAGE_FILE_EXTENSIONS: readonly string[] = Object.freeze(['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff', '.avif', '.bmp']);

export interface ImageInfo {
  width: number;
  height: number;
  format: string;
  /** Encoded size as read (costly metadata dropped: costly-metadata.ts). */
  bytes: number;
  /** Its decode cost follows its pixels and bytes: a sequential JPEG or a plain PNG (cheap-decode.ts). */
  cheapToDecode: boolean;
}

/**
 * Reads the encoded bytes of an image reference (inline bytes win over the path). A BMP comes back
 * as PNG (see bmp.ts), so that what follows reads, hashes and caches it as any other image.
 */
export async function readImageBytes(ref: ImageRef, item: ItemRef = {}, limits: ImageLimits = DEFAULT_IMAGE_LIMITS): Promise<Uint8Array> {
  const { bytes } = await withoutCostlyMetadataInSlices(await readEncodedBytes(ref, item, limits));
  if (!looksLikeBmp(bytes)) return bytes;
  // A sample's image is read up to three times close together (probe, decode, content hash): its
  // conversion is kept for the last few references and reused while the bytes read are the same (a
  // file may change under a path, a buffer in place), so a run over many BMPs holds a few, not all.
  const kept = recentBmps.get(ref);
  if (kept && Buffer.compare(kept.bmp, bytes) === 0) {
    checkDimensions(ref, item, kept.width, kept.height, limits);
    return kept.png;
  }
  const converted = await bmpAsPng(bytes, ref, item, limits);
  recentBmps.delete(ref);
  recentBmps.set(ref, { ...converted, bmp: new Uint8Array(bytes) });
  if (recentBmps.size > RECENT_BMPS) recentBmps.delete(recentBmps.keys().next().value!);
  return converted.png;
}

const RECENT_BMPS = 8;
/** The last RECENT_BMPS conversions, oldest first; `bmp` is a copy, so a buffer changed in place does not match. */
const recentBmps = new Map<ImageRef, { bmp: Uint8Array; png: Uint8Array; width: number; height: number }>();

/** A BMP's headers, checked as far as they can be without expanding its pixels: kind, size, where the rows lie. */
function checkedBmpLayout(bytes: Uint8Array, ref: ImageRef, item: ItemRef, limits: ImageLimits): Extract<ReturnType<typeof bmpLayout>, { width: number }> {
  let layout: ReturnType<typeof bmpLayout>;
  try {
    layout = bmpLayout(bytes);
  } catch (cause) {
    throw new EcommirError('ECM_ERR_IMAGE_CORRUPT', `image ${ref.name} is a damaged BMP: ${(cause as Error).message}`, { item, cause, statusCode: 400 });
  }
  if ('unsupported' in layout) throw unreadable(ref, item, layout.unsupported);
  checkDimensions(ref, item, layout.width, layout.height, limits);
  const problem = bmpPixelDataProblem(bytes, layout);
  if (problem) throw new EcommirError('ECM_ERR_IMAGE_CORRUPT', `image ${ref.name} is a damaged BMP: ${problem}`, { item, statusCode: 400 });
  return layout;
}

async function bmpAsPng(bytes: Uint8Array, ref: ImageRef, item: ItemRef, limits: ImageLimits): Promise<{ bmp: Uint8Array; png: Uint8Array; width: number; height: number }> {
  const layout = checkedBmpLayout(bytes, ref, item, limits);
  try {
    return { bmp: bytes, png: await bmpToPng(bytes, layout), width: layout.width, height: layout.height };
  } catch (cause) {
    if (cause instanceof DamagedRleError) throw new EcommirError('ECM_ERR_IMAGE_CORRUPT', `image ${ref.name} is a damaged BMP: ${cause.message}`, { item, cause, statusCode: 400 });
    throw cause;
  }
}

function checkDimensions(ref: ImageRef, item: ItemRef, width: number, height: number, limits: ImageLimits): void {
  if (width * height > limits.maxPixels) {
    throw new EcommirError('ECM_ERR_IMAGE_TOO_LARGE', `image ${ref.name} is ${width}×${height} pixels, over the limit of ${limits.maxPixels}`, { item, statusCode: 413 });
  }
  if (limits.maxSide !== undefined && Math.max(width, height) > limits.maxSide) {
    throw new EcommirError('ECM_ERR_IMAGE_TOO_LARGE', `image ${ref.name} is ${width}×${height} pixels, a side over the limit of ${limits.maxSide}`, { item, statusCode: 413 });
  }
}

/**
 * An image's bytes as they are in its file or its upload, within the byte limit: what identifies it
 * (the queue's jobs carry these bytes and check them by hash). readImageBytes gives what is decoded.
 */
export async function readEncodedBytes(ref: ImageRef, item: ItemRef = {}, limits: ImageLimits = DEFAULT_IMAGE_LIMITS): Promise<Uint8Array> {
  if (ref.bytes) {
    if (ref.bytes.byteLength > limits.maxBytes) throw tooLarge(ref, ref.bytes.byteLength, limits, item);
    return ref.bytes;
  }
  const path = ref.path ?? ref.name;
  let read: Awaited<ReturnType<typeof readFileCapped>>;
  try {
    read = await readFileCapped(path, limits.maxBytes, { regularOnly: true });
  } catch (cause) {
    if (isMissingPath(cause)) throw new EcommirError('ECM_ERR_IMAGE_MISSING', `image ${ref.name} not found at ${path}`, { item, cause, statusCode: 400 });
    throw new EcommirError('ECM_ERR_FILE_UNREADABLE', `cannot read image ${ref.name} at ${path}: ${unreadableReason(cause)}`, { item, cause, statusCode: 400 });
  }
  if ('notRegular' in read) throw new EcommirError('ECM_ERR_FILE_UNREADABLE', `cannot read image ${ref.name} at ${path}: it is ${read.notRegular}; an image must be a regular file`, { item, statusCode: 400 });
  if ('tooLarge' in read) {
    if (read.size !== undefined) throw tooLarge(ref, read.size, limits, item);
    throw new EcommirError('ECM_ERR_IMAGE_TOO_LARGE', `image ${ref.name} is over the limit of ${limits.maxBytes} bytes`, { item, statusCode: 413 });
  }
  return new Uint8Array(read.buffer, read.byteOffset, read.byteLength);
}

/**
 * Checks that the bytes are a complete, supported image within the limits, without a full decode. A
 * BMP is checked by its headers, not converted: the service probes every upload on its event loop,
 * and 32 RLE BMPs of 40 MP converting there at once held it up to 0.8 s (their slices interleave);
 * the decode that follows, in a worker, finds damaged run-length data.
 */
export async function probeImage(ref: ImageRef, item: ItemRef = {}, limits: ImageLimits = DEFAULT_IMAGE_LIMITS): Promise<ImageInfo> {
  const { bytes, pngChunks } = await withoutCostlyMetadataInSlices(await readEncodedBytes(ref, item, limits));
  if (looksLikeBmp(bytes)) {
    const { width, height } = checkedBmpLayout(bytes, ref, item, limits);
    return { width, height, format: 'bmp', bytes: bytes.byteLength, cheapToDecode: false };
  }
  const sharp = sharpIfLoaded() ?? (await loadSharp());
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: limits.maxPixels }).metadata();
  } catch (cause) {
    // sharp refuses a header over limitInputPixels already here: a bomb, not a corrupt file.
    if (cause instanceof Error && /pixel limit/i.test(cause.message)) {
      throw new EcommirError('ECM_ERR_IMAGE_TOO_LARGE', `image ${ref.name} exceeds the limit of ${limits.maxPixels} pixels`, { item, cause, statusCode: 413 });
    }
    throw corrupt(ref, item, cause, bytes);
  }
  if (meta.format === 'svg') throw unreadable(ref, item, 'an SVG drawing');
  if (!meta.format || !FORMATS.has(meta.format) || !meta.width || !meta.height) throw corrupt(ref, item, undefined, bytes);
  checkDimensions(ref, item, meta.width, meta.height, limits);
  return { width: meta.width, height: meta.height, format: meta.format, bytes: bytes.byteLength, cheapToDecode: isCheapToDecode(bytes, pngChunks) };
}

export interface RawImage {
  /** Interleaved RGB, row-major: [height, width, 3]. */
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * Decodes to RGB, applying EXIF orientation, optionally fitting inside maxSide.
 * A truncated file fails here (failOn 'truncated'), not later with garbage pixels.
 * An embedded colour profile is not applied (ignoreIcc): building its transform is work the profile
 * chooses, outside the decode timeout (a crafted one of 5 KB held a decode 34 s), and the colours of a
 * screenshot mean little to the models (none of the 828 dev images carries a profile).
 */
export async function decodeRgb(ref: ImageRef, item: ItemRef = {}, options: { maxSide?: number; limits?: ImageLimits } = {}): Promise<RawImage> {
  const limits = options.limits ?? DEFAULT_IMAGE_LIMITS;
  const bytes = await readImageBytes(ref, item, limits);
  const sharp = sharpIfLoaded() ?? (await loadSharp());
  try {
    let pipeline = sharp(bytes, { limitInputPixels: limits.maxPixels, failOn: 'truncated', ignoreIcc: true }).rotate().removeAlpha().toColourspace('srgb');
    if (limits.decodeTimeoutMs) pipeline = pipeline.timeout({ seconds: Math.max(1, Math.ceil(limits.decodeTimeoutMs / 1000)) });
    if (options.maxSide) pipeline = pipeline.resize(options.maxSide, options.maxSide, { fit: 'inside', withoutEnlargement: true });
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (cause) {
    if (cause instanceof Error && /pixel limit/i.test(cause.message)) {
      throw new EcommirError('ECM_ERR_IMAGE_TOO_LARGE', `image ${ref.name} exceeds the limit of ${limits.maxPixels} pixels`, { item, cause, statusCode: 413 });
    }
    if (cause instanceof Error && /timeout/i.test(cause.message)) {
      throw new EcommirError('ECM_ERR_IMAGE_TOO_LARGE', `image ${ref.name} took longer than ${limits.decodeTimeoutMs} ms to decode`, { item, cause, statusCode: 413 });
    }
    throw corrupt(ref, item, cause, bytes);
  }
}

/**
 * The check predict runs before a model sees an image, also run by `data inspect --images`: a full
 * decode (to a thumbnail of at most 64 pixels a side, which it returns: the feedback store's dHash is
 * made from it), so that a truncated or corrupt file (ECM_ERR_IMAGE_CORRUPT) is found even when its
 * header probes fine.
 */
export async function verifyImageDecodes(ref: ImageRef, item: ItemRef = {}, limits: ImageLimits = DEFAULT_IMAGE_LIMITS): Promise<RawImage> {
  return decodeRgb(ref, item, { maxSide: 64, limits });
}

function tooLarge(ref: ImageRef, size: number, limits: ImageLimits, item: ItemRef): EcommirError {
  return new EcommirError('ECM_ERR_IMAGE_TOO_LARGE', `image ${ref.name} is ${size} bytes, over the limit of ${limits.maxBytes}`, { item, statusCode: 413 });
}

/**
 * What a file that the decoder cannot read is, told by its first bytes, so that the message can say
 * what to do: people send PDFs of orders and HEIC photos from phones (BMP is read: see bmp.ts).
 */
function sniffUnreadable(bytes: Uint8Array | undefined): string | undefined {
  if (!bytes) return undefined;
  const ascii = (from: number, to: number): string => String.fromCharCode(...bytes.subarray(from, to));
  if (ascii(0, 5) === '%PDF-') return 'a PDF document';
  if (bytes.length >= 6 && bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 1 && bytes[3] === 0 && bytes[4] + bytes[5] > 0) return 'a Windows icon (ICO)';
  if (ascii(4, 8) === 'ftyp' && ['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis'].includes(ascii(8, 12))) return 'a HEIC photo (HEVC-coded)';
  return undefined;
}

function unreadable(ref: ImageRef, item: ItemRef, what: string, cause?: unknown): EcommirError {
  const hint = what.startsWith('a HEIC') ? ' (an iPhone saves JPEG with Settings › Camera › Formats › Most Compatible)' : '';
  return new EcommirError('ECM_ERR_IMAGE_CORRUPT', `image ${ref.name} is ${what}, which ecommir cannot decode: send it as JPEG, PNG, WebP, GIF, TIFF, AVIF or a 1/4/8/16/24/32-bit BMP (uncompressed, or RLE at 4 and 8 bits)${hint}`, { item, cause, statusCode: 400 });
}

/** The error for bytes that are no image we can read, naming the format when it is a known one we cannot decode. */
export function corrupt(ref: ImageRef, item: ItemRef, cause?: unknown, bytes?: Uint8Array): EcommirError {
  const what = sniffUnreadable(bytes);
  if (what) return unreadable(ref, item, what, cause);
  // A header past what libvips decodes at all (65,500 pixels a side) is a size, as a smaller one past our limits is.
  const side = cause instanceof Error ? /Maximum supported image dimension is (\d+)/.exec(cause.message)?.[1] : undefined;
  if (side !== undefined) {
    return new EcommirError('ECM_ERR_IMAGE_TOO_LARGE', `image ${ref.name} says it is more than ${side} pixels on a side, more than can be decoded`, { item, cause, statusCode: 413 });
  }
  const why = cause instanceof Error ? ` (${decoderDetail(cause.message)})` : '';
  return new EcommirError('ECM_ERR_IMAGE_CORRUPT', `image ${ref.name} is corrupt or not a supported image${why}`, { item, cause, statusCode: 400 });
}

/**
 * libvips's message, as one short line: it repeats a line per attempt (a JPEG's size line three times,
 * six "bad seek" lines before a cut AVIF's reason), and the last distinct lines say the most.
 */
export function decoderDetail(message: string): string {
  const lines: string[] = [];
  for (const raw of message.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    // "(2.100)" and the like continue the line before.
    if (line.startsWith('(') && lines.length > 0) lines[lines.length - 1] += ` ${line}`;
    else lines.push(line);
  }
  const distinct = [...new Set(lines)].slice(-2).join('; ');
  return distinct.length > 300 ? `${distinct.slice(0, 299)}…` : distinct;
}
