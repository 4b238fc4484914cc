// A difference hash (dHash, 64 bits: is each pixel of a 9×8 grey thumbnail brighter than its right
// neighbour), the feedback store's image similarity (feedback/similarity.ts). It is computed in the
// image lane's worker, with the prediction (a decode of its own, shrunk on load where the format
// allows), so that the service process never decodes an upload: a 40 MP PNG cost it 0.2 s of CPU.
import type { ImageRef } from '../types.js';
import type { ItemRef } from '../errors.js';
import { DEFAULT_IMAGE_LIMITS, readImageBytes, type ImageLimits } from './decode.js';
import { loadSharp, sharpIfLoaded } from './lazy-sharp.js';

/** dHash of an image as it was sent (any format the decoder reads), 16 hex characters. Runs in libuv's pool, not on the event loop. */
export async function imageDHash(bytes: Uint8Array, maxPixels = 40_000_000): Promise<string> {
  return dHashOfReadable(await readImageBytes({ name: 'image', bytes }, {}, { ...DEFAULT_IMAGE_LIMITS, maxBytes: Infinity, maxPixels }), maxPixels);
}

/** dHash of bytes that readImageBytes gave (BMPs converted, costly metadata gone), which sharp reads as they are. */
async function dHashOfReadable(readable: Uint8Array, maxPixels: number): Promise<string> {
  const sharp = sharpIfLoaded() ?? (await loadSharp());
  const grey = await sharp(readable, { limitInputPixels: maxPixels, failOn: 'none' })
    .rotate()
    .greyscale()
    .resize(9, 8, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer();
  let hex = '';
  for (let row = 0; row < 8; row++) {
    let byte = 0;
    for (let col = 0; col < 8; col++) byte = (byte << 1) | (grey[row * 9 + col] > grey[row * 9 + col + 1] ? 1 : 0);
    hex += byte.toString(16).padStart(2, '0');
  }
  return hex;
}

/**
 * The dHash of each image, in order; null where it cannot be made. A missing hash only leaves that
 * image out of the review queue's similarity, so it is no reason to fail the prediction it rides on.
 */
export async function imageDHashes(refs: readonly ImageRef[], item: ItemRef, limits: ImageLimits): Promise<(string | null)[]> {
  return Promise.all(
    refs.map((ref) =>
      readImageBytes(ref, item, limits)
        .then((readable) => dHashOfReadable(readable, limits.maxPixels))
        .catch(() => null),
    ),
  );
}
