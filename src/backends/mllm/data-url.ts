// An image of a sample as a `data:` URL for a chat request. The bytes go as they are when the format
// is one every engine decodes (JPEG, PNG, WebP, GIF); other formats, and images over `maxSide` when
// one is set, are re-encoded as JPEG. The mime type comes from the bytes (sharp), never the name.
import sharp from 'sharp';
import type { ItemRef } from '../../errors.js';
import { EcommirError } from '../../errors.js';
import type { ImageRef } from '../../types.js';
import { DEFAULT_IMAGE_LIMITS, probeImage, readImageBytes } from '../../vision/decode.js';

const PASS_THROUGH: Record<string, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif' };

export async function imageDataUrl(ref: ImageRef, item: ItemRef, options: { maxSide?: number } = {}): Promise<string> {
  const bytes = await readImageBytes(ref, item);
  // The same checks as the embedded models' decoder: an SVG, a PDF or a pixel bomb is refused by name.
  const { format, width, height } = await probeImage({ ...ref, bytes }, item);
  const mime = PASS_THROUGH[format];
  const tooBig = options.maxSide !== undefined && Math.max(width, height) > options.maxSide;
  if (mime && !tooBig) return `data:${mime};base64,${Buffer.from(bytes).toString('base64')}`;
  try {
    // The profile is not applied, as in decode.ts's decodeRgb (a crafted one costs seconds to apply).
    let pipeline = sharp(bytes, { limitInputPixels: DEFAULT_IMAGE_LIMITS.maxPixels, ignoreIcc: true }).rotate();
    if (tooBig) pipeline = pipeline.resize(options.maxSide, options.maxSide, { fit: 'inside', withoutEnlargement: true });
    const jpeg = await pipeline.jpeg({ quality: 90 }).toBuffer();
    return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
  } catch (cause) {
    throw new EcommirError('ECM_ERR_IMAGE_CORRUPT', `image ${ref.name} could not be re-encoded for the request (${(cause as Error).message})`, { item, cause });
  }
}
