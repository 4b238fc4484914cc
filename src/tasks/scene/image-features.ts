// The scene recogniser's view of one image: cached OCR lines, layout vector and MobileNetV2
// embedding (plus TrivialAugment copies at training time), and the OCR text split by where it stands.
import type { ItemRef } from '../../errors.js';
import { FeatureCache } from '../../features/cache.js';
import { extractImageFeatures, type ImageFeatures, type VectorExtractor } from '../../features/extract.js';
import type { ImageRef } from '../../types.js';
import { linesByRegion } from '../../vision/layout.js';

export interface SceneFeatureOptions {
  layout: boolean;
  embedding: boolean;
  /** TrivialAugment copies whose embeddings are extracted (training only). */
  augmentCopies: number;
}

/** Extracts and caches per-image features; extractors load lazily (tfjs only when embeddings are on). */
export class SceneImageFeaturizer {
  private extractors?: Promise<{ layout?: VectorExtractor; embedding?: VectorExtractor }>;
  private readonly cache = new FeatureCache();

  constructor(readonly options: SceneFeatureOptions) {}

  async features(ref: ImageRef, item: ItemRef, augmentCopies = 0): Promise<ImageFeatures> {
    const { layout, embedding } = await (this.extractors ??= this.loadExtractors());
    const copies = embedding ? augmentCopies : 0;
    return extractImageFeatures(ref, {
      cache: this.cache,
      layout,
      embedding,
      augmentCopies: copies,
      augment: copies > 0 ? (await import('../../vision/augment.js')).trivialAugmentCopy : undefined,
      item,
    });
  }

  private async loadExtractors(): Promise<{ layout?: VectorExtractor; embedding?: VectorExtractor }> {
    const out: { layout?: VectorExtractor; embedding?: VectorExtractor } = {};
    if (this.options.layout) out.layout = (await import('../../vision/layout.js')).layoutExtractor;
    if (this.options.embedding) out.embedding = await (await import('../../vision/embedding.js')).embeddingExtractor();
    return out;
  }
}

/** OCR text by region: the title bar names the page, which body text alone often does not. */
export function ocrTextViews(features: ImageFeatures): { title: string; body: string; bottom: string; all: string } {
  const regions = linesByRegion(features.ocr.lines);
  const join = (lines: { text: string }[]) => lines.map((l) => l.text).join(' ');
  return { title: join(regions.title), body: join(regions.body), bottom: join(regions.bottom), all: join(features.ocr.lines) };
}
