// A difference hash (dHash, 64 bits: is each pixel of a 9×8 grey thumbnail brighter than its right
// neighbour), the feedback store's image similarity (feedback/similarity.ts). It is computed in the
// image lane's worker, with the prediction, so that the service process never decodes an upload (a
// 40 MP PNG cost it 0.2 s of CPU); and from the thumbnail that the worker's check of the image
// decoded already (verifyImageDecodes): for the example PNG screenshot, 20 ms against 71 ms straight from its pixels.
// From that thumbnail with a linear kernel, 61 dev-set images and their re-encodings (300 px wide,
// JPEG quality 60) agreed on 95.8% of the bits on average (straight from the full image with
// lanczos3, as before 2026-12-07: 93.7%); two different images on 53% (52%). Hashes stored before
// then differ from today's by a few bits, which only blurs the similarity between the two.
import { DEFAULT_IMAGE_LIMITS, verifyImageDecodes, type RawImage } from './decode.js';
import { loadSharp, sharpIfLoaded } from './lazy-sharp.js';

/**
 * dHash of an image as it was sent (any format the decoder reads), 16 hex characters. Runs in libuv's
 * pool, not on the event loop. Refuses what the image check refuses; its errors name the image "given
 * as bytes" ("image given as bytes is corrupt…"), as it has no file name.
 */
export async function imageDHash(bytes: Uint8Array, maxPixels = 40_000_000): Promise<string> {
  return thumbnailDHash(await verifyImageDecodes({ name: 'given as bytes', bytes }, {}, { ...DEFAULT_IMAGE_LIMITS, maxBytes: Infinity, maxPixels }));
}

/** dHash of the thumbnail that verifyImageDecodes gives. */
export async function thumbnailDHash(thumbnail: RawImage): Promise<string> {
  const sharp = sharpIfLoaded() ?? (await loadSharp());
  const grey = await sharp(thumbnail.data, { raw: { width: thumbnail.width, height: thumbnail.height, channels: 3 } })
    .greyscale()
    .resize(9, 8, { fit: 'fill', kernel: 'linear' })
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
 * The dHash of each image, in order, from the thumbnails its check decoded (verifyImageDecodes); null
 * where it cannot be made. A missing hash only leaves that image out of the review queue's
 * similarity, so it is no reason to fail the prediction it rides on.
 */
export async function imageDHashes(thumbnails: readonly RawImage[]): Promise<(string | null)[]> {
  return Promise.all(thumbnails.map((thumbnail) => thumbnailDHash(thumbnail).catch(() => null)));
}
