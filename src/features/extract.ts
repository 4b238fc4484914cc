// Per-image features for the recognisers, each stored in the feature cache by image content:
// OCR lines (JSON), layout vector, MobileNetV2 embedding and embeddings of TrivialAugment copies
// (float32). The image is decoded only when some part is missing, so a warm cache costs one
// file read and a hash per image.
import path from 'node:path';
import { EcommirError, type ItemRef } from '../errors.js';
import type { ImageRef } from '../types.js';
import { decodeRgb, readImageBytes, type RawImage } from '../vision/decode.js';
import { DEFAULT_OCR_OPTIONS, ocrOutputSignature, OcrEngine, sharedOcrEngine, type OcrOptions, type OcrResult } from '../vision/ocr.js';
import { FeatureCache, float32ListCodec, jsonCodec, sha256Hex, type CacheKey } from './cache.js';
import { Progress } from './progress.js';
import { readInputText } from '../data/read-file.js';
import { parseRecordsText } from '../data/load.js';
import { parseNativeSample } from '../data/native.js';

/** vision/embedding.ts EMBEDDING_SIZE, repeated so that importing extract does not load tfjs. */
const EMBEDDING_SIZE = 1280;

/** Bump when the OCR pipeline's output changes for the same options. */
export const OCR_EXTRACTOR_VERSION = 1;

/** The cache key of an image's OCR lines, for readers that look the text up without an engine (tests, audits). */
export function ocrCacheKey(contentHash: string, ocrOptions: OcrOptions = DEFAULT_OCR_OPTIONS): CacheKey {
  return { contentHash, extractor: 'ocr', version: OCR_EXTRACTOR_VERSION, options: ocrOutputSignature(ocrOptions) };
}

export interface ImageFeatures {
  /** sha256 of the encoded image bytes. */
  contentHash: string;
  ocr: OcrResult;
  /** Dense layout vector (see vision/layout.ts), absent when not requested. */
  layout?: Float32Array;
  /** Global image embedding [1280] (see vision/embedding.ts), absent when not requested. */
  embedding?: Float32Array;
  /** Quadrant embeddings [4, 1280] (TL, TR, BL, BR), when the extractor pools a 2×2 grid too. */
  embeddingGrid?: Float32Array;
  /** Global embeddings [1280] of TrivialAugment copies with seeds 1..N. */
  augmentedEmbeddings?: Float32Array[];
  /** Further named vectors (ExtractOptions.vectors), by extractor name. */
  vectors?: Record<string, Float32Array>;
}

/** A named per-image feature that extract can compute and cache (layout, embedding...). */
export interface VectorExtractor {
  /** Cache folder name. */
  name: string;
  version: number | string;
  /** Options that change the output, serialised. */
  signature: string;
  /** The vector is computed from the OCR lines too: the OCR options become part of its cache key. */
  usesOcr?: boolean;
  /** `ocr` settles when the image's OCR does (it runs alongside): await it only when the vector needs the lines. */
  compute(image: RawImage, ocr: Promise<OcrResult>, seed?: number): Promise<Float32Array>;
}

export interface ExtractOptions {
  cache?: FeatureCache;
  ocr?: OcrEngine;
  /** Layout vector extractor (default: none). */
  layout?: VectorExtractor;
  /** Embedding extractor (default: none). */
  embedding?: VectorExtractor;
  /** Further vector extractors, cached and returned by name (e.g. the scene's UI-structure cues). */
  vectors?: readonly VectorExtractor[];
  /** Number of augmented copies to embed (needs `embedding` and `augment`). */
  augmentCopies?: number;
  /** Returns an augmented copy for a seed. */
  augment?: (image: RawImage, seed: number) => Promise<RawImage>;
  item?: ItemRef;
}

/**
 * Promise.all that waits for every part, then throws the first failure in order. When one part fails
 * (a vector's compute), the others still write their cache entries: the answer then comes after those
 * writes, so a worker's reply says it wrote and its pool counts them (RecognizerPool.close).
 */
async function allOrFirstFailure<T extends readonly unknown[]>(parts: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(parts);
  for (const part of settled) if (part.status === 'rejected') throw part.reason;
  return settled.map((part) => (part as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}

export async function extractImageFeatures(ref: ImageRef, options: ExtractOptions = {}): Promise<ImageFeatures> {
  const cache = options.cache ?? new FeatureCache();
  const item = options.item ?? {};
  const bytes = await readImageBytes(ref, item);
  const contentHash = sha256Hex(bytes);
  const inline: ImageRef = { name: ref.name, bytes };
  const augmentCopies = options.augmentCopies ?? 0;
  // One decode per size. The vectors always see the default size (their cache keys do not name it),
  // whether or not the OCR, which may be configured to decode at another size, came from the cache.
  const decoded = new Map<number, Promise<RawImage>>();
  const pixels = (maxSide: number = DEFAULT_OCR_OPTIONS.decodeMaxSide) => {
    let image = decoded.get(maxSide);
    if (!image) decoded.set(maxSide, (image = decodeRgb(inline, item, { maxSide })));
    return image;
  };

  const engine = options.ocr ?? (await sharedOcrEngine());
  const ocrKey = ocrCacheKey(contentHash, engine.options);
  const ocr = cache.getOrCompute(ocrKey, jsonCodec<OcrResult>(), async () => engine.read(await pixels(engine.options.decodeMaxSide), item));

  const vector = async (extractor: VectorExtractor, seed?: number) => {
    const ocrPart = extractor.usesOcr ? `|ocr=${ocrKey.version}:${ocrKey.options}` : '';
    const key: CacheKey = { contentHash, extractor: extractor.name, version: extractor.version, options: `${extractor.signature}|seed=${seed ?? 0}${ocrPart}` };
    const [v] = await cache.getOrCompute(key, float32ListCodec, async () => {
      let image = await pixels();
      if (seed !== undefined) {
        if (!options.augment) throw new EcommirError('ECM_ERR_BAD_OPTION', 'augmented copies need an augment function');
        image = await options.augment(image, seed);
      }
      return [await extractor.compute(image, ocr, seed)];
    });
    return v;
  };
  const embeddings = async (extractor: VectorExtractor) => {
    const full = await vector(extractor);
    const augmented: Float32Array[] = [];
    for (let seed = 1; seed <= augmentCopies; seed++) augmented.push((await vector(extractor, seed)).subarray(0, EMBEDDING_SIZE));
    return { full, augmented };
  };
  // The vectors start with the OCR rather than after it: their pixel work (resizes, histograms) fills
  // the cores the OCR leaves idle, and those that use the lines await them.
  const [ocrResult, layout, vectors, embedding] = await allOrFirstFailure([
    ocr,
    options.layout ? vector(options.layout) : undefined,
    allOrFirstFailure((options.vectors ?? []).map(async (extractor) => [extractor.name, await vector(extractor)] as const)),
    options.embedding ? embeddings(options.embedding) : undefined,
  ]);

  const features: ImageFeatures = { contentHash, ocr: ocrResult };
  if (layout) features.layout = layout;
  if (vectors.length > 0) features.vectors = Object.fromEntries(vectors);
  if (embedding) {
    features.embedding = embedding.full.subarray(0, EMBEDDING_SIZE);
    if (embedding.full.length > EMBEDDING_SIZE) features.embeddingGrid = embedding.full.subarray(EMBEDDING_SIZE);
    if (augmentCopies > 0) features.augmentedEmbeddings = embedding.augmented;
  }
  return features;
}

/** An image to extract, with the record it belongs to (for error messages). */
export interface ImageJob {
  ref: ImageRef;
  item: ItemRef;
}

/**
 * The images of a data file, listed once each: challenge records (`image: string[]`, resolved against
 * imagesDir), and native ones (images in the turns, or a scene's `image`, resolved as loadSamples
 * resolves them: against nativeImagesDir when given, else the data file's folder).
 */
export async function listDatasetImages(dataFile: string, imagesDir: string, nativeImagesDir?: string): Promise<ImageJob[]> {
  // The reader every other command uses: a BOM, CRLF, an empty file and a bad line are met as there.
  const records = parseRecordsText(await readInputText(dataFile, 'the data file'), dataFile);
  const seen = new Set<string>();
  const jobs: ImageJob[] = [];
  records.forEach((record, index) => {
    if (!record || typeof record !== 'object' || Array.isArray(record)) {
      throw new EcommirError('ECM_ERR_BAD_RECORD', 'a record must be an object with an image field', { item: { index, file: dataFile } });
    }
    const r = record as { id?: unknown; image?: unknown; images?: unknown; task?: unknown; dialogue?: unknown };
    const id = typeof r.id === 'string' ? r.id : undefined;
    if ('task' in r || 'dialogue' in r) {
      // The native format: images in the turns, or one `image` of a scene, resolved as every command does.
      for (const [position, ref] of parseNativeSample(record, index, { imagesDir: nativeImagesDir, baseDir: path.dirname(path.resolve(dataFile)), file: dataFile }).images.entries()) {
        // Bytes by their place: a name given with them may repeat in one record.
        const key = ref.path ?? `bytes:${index}:${position}`;
        if (seen.has(key)) continue;
        seen.add(key);
        jobs.push({ ref, item: { id, index, file: dataFile } });
      }
      return;
    }
    const names = r.image ?? r.images ?? [];
    if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) {
      throw new EcommirError('ECM_ERR_BAD_RECORD', 'field image must be an array of file names', { item: { id, index, file: dataFile } });
    }
    for (const name of names as string[]) {
      if (seen.has(name)) continue;
      seen.add(name);
      jobs.push({ ref: { name, path: path.resolve(imagesDir, name) }, item: { id, index, file: dataFile } });
    }
  });
  return jobs;
}

export interface ExtractRunSummary {
  images: number;
  failed: { item: ItemRef; name: string; message: string }[];
  elapsedMs: number;
  cache: FeatureCache['stats'];
}

/** Extracts every job with `concurrency` workers; failures are collected, not fatal. */
export async function extractAll(jobs: ImageJob[], options: ExtractOptions & { concurrency?: number; progress?: boolean } = {}): Promise<ExtractRunSummary> {
  const cache = options.cache ?? new FeatureCache();
  const progress = new Progress({ total: jobs.length, label: 'features', enabled: options.progress ?? true });
  const failed: ExtractRunSummary['failed'] = [];
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      try {
        await extractImageFeatures(job.ref, { ...options, cache, item: job.item });
        progress.tick();
      } catch (err) {
        failed.push({ item: job.item, name: job.ref.name, message: err instanceof Error ? err.message : String(err) });
        progress.tick(1, { failed: true });
      }
    }
  };
  const concurrency = Math.max(1, options.concurrency ?? 1);
  await Promise.all(Array.from({ length: concurrency }, worker));
  const end = progress.finish();
  return { images: jobs.length, failed, elapsedMs: end.elapsedMs, cache: cache.stats };
}
