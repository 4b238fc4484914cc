// Cached CLIP embeddings, stored like every other expensive feature (../../features/cache.ts): an
// image by the sha256 of its bytes, a text by the sha256 of its UTF-8; the key's options hold the
// model folder's fingerprint, so another model (or dtype) never reads these vectors.
import { EcommirError, type ItemRef } from '../../errors.js';
import { FeatureCache, float32ListCodec, sha256Hex, type CacheKey } from '../../features/cache.js';
import type { ImageRef } from '../../types.js';
import { decodeRgb, readImageBytes } from '../../vision/decode.js';
import type { ClipModel } from './model.js';

/** Bumped when the way an embedding is computed changes for the same model and input. */
export const CLIP_EMBEDDING_VERSION = 1;

export class ClipEmbedder {
  readonly cache: FeatureCache;

  constructor(
    readonly model: ClipModel,
    options: { cache?: FeatureCache } = {},
  ) {
    this.cache = options.cache ?? new FeatureCache();
  }

  /** Raw image embedding [D] (not normalised). */
  async image(ref: ImageRef, item: ItemRef = {}): Promise<Float32Array> {
    const bytes = await readImageBytes(ref, item);
    const [vector] = await this.cache.getOrCompute(this.key('clip-image', sha256Hex(bytes)), float32ListCodec, async () => {
      const image = await decodeRgb({ ...ref, bytes }, item);
      try {
        return [await this.model.embedImage(image)];
      } catch (cause) {
        if (cause instanceof EcommirError) throw cause;
        throw new EcommirError('ECM_ERR_BACKEND', `clip image embedding of ${ref.name} failed: ${(cause as Error).message}`, { item, cause, statusCode: 500 });
      }
    });
    return vector;
  }

  /** Raw text embedding [D] (not normalised). */
  async text(text: string): Promise<Float32Array> {
    const [vector] = await this.cache.getOrCompute(this.key('clip-text', sha256Hex(text)), float32ListCodec, async () => [await this.model.embedText(text)]);
    return vector;
  }

  private key(extractor: string, contentHash: string): CacheKey {
    return { contentHash, extractor, version: CLIP_EMBEDDING_VERSION, options: JSON.stringify({ model: this.model.info.fingerprint }) };
  }
}

/** Unit-length copy (a zero vector stays zero). */
export function l2Normalised(v: ArrayLike<number>): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  return Float32Array.from(v, (x) => x * inv);
}
