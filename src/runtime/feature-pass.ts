// Feature passes on every core: `features extract` and the scene training's first read of its images
// run one image per worker process (each with cores / workers threads for ONNX, wasm and libvips),
// filling the content-addressed feature cache. What a worker computes does not depend on which
// worker or how many: the cache then holds the same entries as a one-process run.
import { availableParallelism } from 'node:os';
import type { ItemRef } from '../errors.js';
import type { CacheStats, FeatureCacheOptions } from '../features/cache.js';
import { Progress } from '../features/progress.js';
import type { SceneFeatureOptions } from '../tasks/scene/image-features.js';
import type { ImageRef, Sample } from '../types.js';
import { forEachConcurrent } from './batch-predict.js';
import { threadsPerWorker } from '../vision/threads.js';
import type { ExtractImageArgs, SceneFeaturesArgs } from './feature-jobs.js';
import { RecognizerPool } from './pool.js';
import { NO_RECOGNIZERS, packageFunction } from './source.js';
import type { WorkerFunction } from './worker-core.js';

export interface FeaturePassOptions {
  /** Worker processes. Default: the cores available. */
  concurrency?: number;
  /** Threads of each worker's native work. Default: cores / concurrency. */
  threads?: number;
  /** Progress line label; none when `progress` is false. */
  label?: string;
  progress?: boolean;
  cache?: FeatureCacheOptions;
}

export interface FeaturePassResult<R> {
  results: (R | undefined)[];
  failed: { index: number; item: ItemRef; name: string; message: string }[];
  elapsedMs: number;
}

/** Runs `fn` over every args on a pool of worker processes; failures are collected, not fatal. */
export async function runFeaturePass<A extends { ref: ImageRef; item: ItemRef }, R>(fn: WorkerFunction, args: readonly A[], options: FeaturePassOptions = {}): Promise<FeaturePassResult<R>> {
  const concurrency = options.concurrency ?? availableParallelism();
  const progress = new Progress({ total: args.length, label: options.label ?? 'features', enabled: options.progress ?? true });
  const results: (R | undefined)[] = new Array(args.length);
  const failed: FeaturePassResult<R>['failed'] = [];
  if (args.length > 0) {
    const pool = await RecognizerPool.create({
      source: NO_RECOGNIZERS,
      name: 'feature',
      isolation: 'process',
      threads: Math.min(concurrency, args.length),
      computeThreads: options.threads ?? threadsPerWorker(concurrency),
      cache: options.cache,
    });
    try {
      await forEachConcurrent(args.length, 2 * concurrency, async (i) => {
        try {
          results[i] = await pool.run<R>(fn, args[i]);
          progress.tick();
        } catch (err) {
          failed.push({ index: i, item: args[i].item, name: args[i].ref.name, message: err instanceof Error ? err.message : String(err) });
          progress.tick(1, { failed: true });
        }
      });
    } finally {
      await pool.close();
    }
  }
  const end = progress.finish();
  failed.sort((a, b) => a.index - b.index);
  return { results, failed, elapsedMs: end.elapsedMs };
}

export const EXTRACT_IMAGE_JOB = packageFunction('runtime/feature-jobs', 'extractImageJob');
export const SCENE_FEATURES_JOB = packageFunction('runtime/feature-jobs', 'sceneFeaturesJob');

/** `features extract` on a pool: per-image cache answers added up. */
export async function extractAllInPool(args: readonly ExtractImageArgs[], options: FeaturePassOptions = {}): Promise<FeaturePassResult<CacheStats> & { cache: CacheStats }> {
  const run = await runFeaturePass<ExtractImageArgs, CacheStats>(EXTRACT_IMAGE_JOB, args, options);
  const cache: CacheStats = { hits: 0, misses: 0, corrupt: 0 };
  for (const r of run.results) {
    if (!r) continue;
    cache.hits += r.hits;
    cache.misses += r.misses;
    cache.corrupt += r.corrupt;
  }
  return { ...run, cache };
}

/**
 * The scene training's feature pass: every image of the samples read by the featurizer the training
 * builds (same options, so the same cache entries), before training reads them back one by one.
 * A failure here is left for the training to report, with its own message.
 */
export async function sceneFeaturePass(samples: readonly Sample[], features: SceneFeatureOptions, options: FeaturePassOptions = {}): Promise<FeaturePassResult<void>> {
  const args: SceneFeaturesArgs[] = [];
  const seen = new Set<string>();
  for (const s of samples) {
    const ref = s.images[0];
    if (!ref || s.task !== 'scene') continue;
    const name = ref.path ?? ref.name;
    if (!ref.bytes && seen.has(name)) continue;
    seen.add(name);
    args.push({ ref, item: { id: s.id, index: s.index }, features, augmentCopies: features.augmentCopies });
  }
  return runFeaturePass<SceneFeaturesArgs, void>(SCENE_FEATURES_JOB, args, { label: 'features', ...options });
}
