// The scene recogniser's view of one image: cached OCR lines, layout vector, UI-structure cues and
// MobileNetV2 embedding (plus TrivialAugment copies at training time), and the OCR text split by
// where it stands.
import type { ItemRef } from '../../errors.js';
import { FeatureCache } from '../../features/cache.js';
import { extractImageFeatures, type ImageFeatures, type VectorExtractor } from '../../features/extract.js';
import type { ImageRef } from '../../types.js';
import { linesByRegion } from '../../vision/layout.js';
import { OcrEngine, DEFAULT_OCR_OPTIONS, sharedOcrEngine, type OcrOptions } from '../../vision/ocr.js';

export interface SceneFeatureOptions {
  layout: boolean;
  embedding: boolean;
  /** The pixel UI-structure vector (ui-structure.ts). Default false. */
  ui?: boolean;
  /** TrivialAugment copies whose embeddings are extracted (training only). */
  augmentCopies: number;
  /** OCR options that differ from DEFAULT_OCR_OPTIONS (their own cache entries). */
  ocr?: Partial<OcrOptions>;
}

interface Extractors {
  layout?: VectorExtractor;
  embedding?: VectorExtractor;
  vectors: VectorExtractor[];
  ocr: OcrEngine;
}

// One engine per distinct OCR configuration in a process (each holds two ONNX sessions).
const engines = new Map<string, Promise<OcrEngine>>();

/** The shared engine for these OCR options (the process-wide default one when they are the defaults). */
export function ocrEngineFor(options: Partial<OcrOptions> = {}): Promise<OcrEngine> {
  const resolved = { ...DEFAULT_OCR_OPTIONS, ...options };
  const full = JSON.stringify(Object.entries(resolved).sort(([a], [b]) => (a < b ? -1 : 1)));
  if (full === JSON.stringify(Object.entries({ ...DEFAULT_OCR_OPTIONS }).sort(([a], [b]) => (a < b ? -1 : 1)))) return sharedOcrEngine();
  let engine = engines.get(full);
  if (!engine) {
    engine = OcrEngine.create(options).catch((err: unknown) => {
      engines.delete(full);
      throw err;
    });
    engines.set(full, engine);
  }
  return engine;
}

/** Extracts and caches per-image features; extractors load lazily (tfjs only when embeddings are on). */
export class SceneImageFeaturizer {
  private extractors?: Promise<Extractors>;
  private readonly cache = new FeatureCache();

  constructor(readonly options: SceneFeatureOptions) {}

  async features(ref: ImageRef, item: ItemRef, augmentCopies = 0): Promise<ImageFeatures> {
    const { layout, embedding, vectors, ocr } = await (this.extractors ??= this.loadExtractors());
    const copies = embedding ? augmentCopies : 0;
    return extractImageFeatures(ref, {
      cache: this.cache,
      ocr,
      layout,
      embedding,
      vectors,
      augmentCopies: copies,
      augment: copies > 0 ? (await import('../../vision/augment.js')).trivialAugmentCopy : undefined,
      item,
    });
  }

  private async loadExtractors(): Promise<Extractors> {
    const out: Extractors = { vectors: [], ocr: await ocrEngineFor(this.options.ocr) };
    if (this.options.layout) out.layout = (await import('../../vision/layout.js')).layoutExtractor;
    if (this.options.embedding) out.embedding = await (await import('../../vision/embedding.js')).embeddingExtractor();
    if (this.options.ui) out.vectors.push((await import('./ui-structure.js')).uiStructureExtractor);
    return out;
  }
}

/** OCR text by region: the title bar names the page, which body text alone often does not. */
export function ocrTextViews(features: ImageFeatures): { title: string; body: string; bottom: string; all: string } {
  const regions = linesByRegion(features.ocr.lines);
  const join = (lines: { text: string }[]) => lines.map((l) => l.text).join(' ');
  return { title: join(regions.title), body: join(regions.body), bottom: join(regions.bottom), all: join(features.ocr.lines) };
}
