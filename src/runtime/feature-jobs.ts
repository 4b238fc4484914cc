// The worker side of the feature passes (./feature-pass.ts): functions a pool worker runs for one
// image, filling the feature cache. The extractors and OCR engine of a configuration are loaded
// once per worker and reused for every image it is handed.
import type { ItemRef } from '../errors.js';
import { FeatureCache, type CacheStats } from '../features/cache.js';
import { extractImageFeatures, type ExtractOptions } from '../features/extract.js';
import type { SceneFeatureOptions } from '../tasks/scene/image-features.js';
import type { ImageRef } from '../types.js';

export interface ExtractImageArgs {
  ref: ImageRef;
  item: ItemRef;
  layout: boolean;
  /** The scene recogniser's pixel UI-structure cues. */
  ui?: boolean;
  embedding: boolean;
  augmentCopies: number;
  /** OCR detection resolution (longest side); default the OCR default. */
  maxSide?: number;
  /** ONNX threads per OCR session; default this worker's share of the cores. */
  threads?: number;
}

const configured = new Map<string, Promise<ExtractOptions>>();
let cache: FeatureCache | undefined;

async function extractOptions(args: ExtractImageArgs): Promise<ExtractOptions> {
  const key = JSON.stringify([args.layout, args.ui, args.embedding, args.augmentCopies, args.maxSide, args.threads]);
  let options = configured.get(key);
  if (!options) {
    options = (async () => {
      const { OcrEngine } = await import('../vision/ocr.js');
      const out: ExtractOptions = { ocr: await OcrEngine.create({ ...(args.maxSide ? { maxSide: args.maxSide } : {}), ...(args.threads ? { threads: args.threads } : {}) }) };
      if (args.layout) out.layout = (await import('../vision/layout.js')).layoutExtractor;
      if (args.ui) out.vectors = [(await import('../tasks/scene/ui-structure.js')).uiStructureExtractor];
      if (args.embedding) {
        out.embedding = await (await import('../vision/embedding.js')).embeddingExtractor();
        if (args.augmentCopies > 0) {
          out.augmentCopies = args.augmentCopies;
          out.augment = (await import('../vision/augment.js')).trivialAugmentCopy;
        }
      }
      return out;
    })();
    configured.set(key, options);
  }
  return options;
}

/** `features extract` for one image; returns how the cache answered. */
export async function extractImageJob(args: ExtractImageArgs): Promise<CacheStats> {
  cache ??= new FeatureCache();
  const before = { ...cache.stats };
  await extractImageFeatures(args.ref, { ...(await extractOptions(args)), cache, item: args.item });
  return { hits: cache.stats.hits - before.hits, misses: cache.stats.misses - before.misses, corrupt: cache.stats.corrupt - before.corrupt };
}

export interface SceneFeaturesArgs {
  ref: ImageRef;
  item: ItemRef;
  /** The featurizer's configuration, as the scene recogniser's training builds it. */
  features: SceneFeatureOptions;
  augmentCopies: number;
}

const featurizers = new Map<string, Promise<import('../tasks/scene/image-features.js').SceneImageFeaturizer>>();

/** The scene recogniser's features of one image (what its training reads), into the cache. */
export async function sceneFeaturesJob(args: SceneFeaturesArgs): Promise<void> {
  const key = JSON.stringify(args.features);
  let featurizer = featurizers.get(key);
  if (!featurizer) {
    featurizer = import('../tasks/scene/image-features.js').then(({ SceneImageFeaturizer }) => new SceneImageFeaturizer(args.features));
    featurizers.set(key, featurizer);
  }
  await (await featurizer).features(args.ref, args.item, args.augmentCopies);
}
