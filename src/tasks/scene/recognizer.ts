// The embedded scene recogniser: image → cached OCR lines (text by region: title bar, body, bottom
// bar), layout vector, MobileNetV2 embedding → one fused CSR matrix (TF-IDF views, standardised
// layout, L2-normalised embedding, each with a weight) → softmax head trained with the 9:1 split,
// greedy soup and a cross-validated temperature (../train-head.ts). TrivialAugment copies of each
// training image add rows that differ only in the embedding branch, as the paper augments the
// image encoder's input.
import { EcommirError, type ItemRef } from '../../errors.js';
import type { ImageFeatures } from '../../features/extract.js';
import { StandardScaler, l2NormalisedRows, type StandardScalerJson } from '../../features/standard-scaler.js';
import { FeatureUnion, type FeatureUnionJson, type MultiViewDoc, type TextViewSpec } from '../../features/text/feature-union.js';
import { Taxonomy, type TaxonomyFile } from '../../labels/taxonomy.js';
import { hstack, type CsrMatrix, type HstackBlock } from '../../learn/csr.js';
import { SoftmaxRegression, type SoftmaxRegressionJson, type SoftmaxRegressionOptions } from '../../learn/softmax-regression.js';
import type { Evidence, Prediction, Sample } from '../../types.js';
import { readModelFile, writeModelFile } from '../model-file.js';
import { rankPrediction, strongestDistinct } from '../rank.js';
import type { PredictOptions, Recognizer } from '../recognizer.js';
import { calibratedProba, trainHead, type HeadTrainingReport, type SoupMode } from '../train-head.js';
import { ocrTextViews, SceneImageFeaturizer, type SceneFeatureOptions } from './image-features.js';
import { EXTRA_SCENE_VIEWS, sceneDocExtras } from './extra-views.js';
import { cueLexiconToJSON, defaultLexiconPath, loadCueLexicon, matchCues, parseCueLexicon, type CueLexicon } from '../../features/text/cue-lexicon.js';

export interface SceneFusionOptions {
  views: TextViewSpec[];
  /** Weight of the standardised layout block; 0 = off. */
  layoutWeight: number;
  /** Weight of the L2-normalised embedding block; 0 = off. */
  embeddingWeight: number;
}

export interface SceneTrainingOptions {
  fusion?: Partial<SceneFusionOptions>;
  head?: SoftmaxRegressionOptions;
  checkpoints?: Partial<SoftmaxRegressionOptions>[];
  soup?: SoupMode;
  /** TrivialAugment copies per training image (embedding branch). Default 0. */
  augmentCopies?: number;
  calibrate?: 'crossval' | 'validation' | 'none';
  refit?: boolean;
  seed?: number;
  threshold?: number;
  taxonomy?: Taxonomy;
  /** Cue lexicon for the `lexicon` view (default lexicons/scene.json; used only when a view is named `lexicon`). */
  lexicon?: CueLexicon;
  /** Shared featurizer (its cache and loaded extractors are reused across folds). */
  featurizer?: SceneImageFeaturizer;
  /** Called per image while extracting, for progress. */
  onImage?: () => void;
}

// Chosen by 5-fold CV over 3 seeds on the dev scene samples (bench, BENCHMARKS.md).
export const DEFAULT_SCENE_FUSION: SceneFusionOptions = {
  views: [
    { name: 'all', analyzer: { kind: 'char', min: 1, max: 3 }, tfidf: { sublinearTf: true, minDf: 2 } },
    { name: 'title', analyzer: { kind: 'char', min: 1, max: 3 }, tfidf: { sublinearTf: true }, weight: 0.7 },
    { name: 'bottom', analyzer: { kind: 'char', min: 1, max: 2 }, tfidf: { sublinearTf: true }, weight: 0.4 },
    { name: 'lexicon', analyzer: { kind: 'tokens' }, weight: 1 },
  ],
  layoutWeight: 0.03,
  embeddingWeight: 0.5,
};
// 100 full-batch Adam steps at lr 0.1 reach the same predictions as 200 at 0.05 (measured) in half the time.
export const DEFAULT_SCENE_HEAD: SoftmaxRegressionOptions = { l2: 1e-3, epochs: 100, lr: 0.1, coarseWeight: 0.3 };
export const DEFAULT_SCENE_CHECKPOINTS: Partial<SoftmaxRegressionOptions>[] = [{ l2: 1e-3 }, { l2: 3e-4 }, { l2: 3e-3 }, { l2: 1e-3, epochs: 60 }, { l2: 1e-3, lr: 0.05, epochs: 200 }];

/** One row's inputs before fitting: text views and dense vectors. */
interface SceneRow {
  doc: MultiViewDoc;
  layout?: Float32Array;
  embedding?: Float32Array;
}

interface SceneModelJson {
  kind: 'SceneRecognizer';
  version: 1;
  task: 'scene';
  taxonomy: TaxonomyFile;
  fusion: SceneFusionOptions;
  threshold: number;
  temperature: number;
  union?: FeatureUnionJson;
  lexicon?: { labels: Record<string, string[]> };
  layoutScaler?: StandardScalerJson;
  head: SoftmaxRegressionJson;
  report: HeadTrainingReport;
  trainedOn: { samples: number; rows: number; augmentCopies: number; createdAt: string };
}

export function featureOptionsFor(fusion: SceneFusionOptions, augmentCopies = 0): SceneFeatureOptions {
  return { layout: fusion.layoutWeight > 0, embedding: fusion.embeddingWeight > 0, augmentCopies };
}

/** The first image of a scene sample (the challenge has exactly one per scene sample). */
function sceneImage(sample: Sample) {
  const ref = sample.images[0];
  if (!ref) throw new EcommirError('ECM_ERR_BAD_RECORD', 'a scene sample needs an image', { item: { id: sample.id, index: sample.index } });
  return ref;
}

function rowOf(f: ImageFeatures, lexicon: CueLexicon | undefined, embedding?: Float32Array, extraViews = false): SceneRow {
  const text = ocrTextViews(f);
  // The extra views (head, confident, shape) are computed only when a view asks for one.
  const doc: MultiViewDoc = extraViews ? sceneDocExtras(f) : { all: text.all, title: text.title, body: text.body, bottom: text.bottom };
  // A cue in the title bar names the page; the same cue in the body is weaker evidence.
  if (lexicon) doc.lexicon = [...matchCues(text.title, lexicon).map((m) => `title:${m.label}`), ...matchCues(text.all, lexicon).map((m) => `page:${m.label}`)];
  return { doc, layout: f.layout, embedding: embedding ?? f.embedding };
}

function signal(feature: string, weight: number): Evidence {
  return { kind: 'signal', weight, features: [feature], reason: { en: feature, zh: feature } };
}

function usesExtraViews(fusion: SceneFusionOptions): boolean {
  return fusion.views.some((v) => (EXTRA_SCENE_VIEWS as readonly string[]).includes(v.name));
}

function usesLexicon(fusion: SceneFusionOptions): boolean {
  return fusion.views.some((v) => v.name === 'lexicon');
}

export class SceneRecognizer implements Recognizer {
  readonly task = 'scene' as const;
  readonly labels: readonly string[];
  private readonly weights: Float32Array;

  private constructor(
    readonly taxonomy: Taxonomy,
    readonly fusion: SceneFusionOptions,
    private readonly union: FeatureUnion | undefined,
    private readonly lexicon: CueLexicon | undefined,
    private readonly layoutScaler: StandardScaler | undefined,
    private readonly head: SoftmaxRegression,
    readonly temperature: number,
    readonly threshold: number,
    readonly report: HeadTrainingReport,
    readonly trainedOn: SceneModelJson['trainedOn'],
    private featurizer: SceneImageFeaturizer,
  ) {
    this.labels = taxonomy.labels;
    this.weights = head.parameters();
  }

  static async fit(samples: readonly Sample[], options: SceneTrainingOptions = {}): Promise<SceneRecognizer> {
    const taxonomy = options.taxonomy ?? Taxonomy.default('scene');
    const fusion: SceneFusionOptions = { ...DEFAULT_SCENE_FUSION, ...options.fusion };
    const copies = fusion.embeddingWeight > 0 ? (options.augmentCopies ?? 0) : 0;
    const featurizer = options.featurizer ?? new SceneImageFeaturizer(featureOptionsFor(fusion, copies));
    const labelled = samples.filter((s) => s.task === 'scene');
    if (labelled.length === 0) throw new EcommirError('ECM_ERR_BAD_OPTION', 'no scene samples to train on');
    const lexicon = usesLexicon(fusion) ? (options.lexicon ?? loadCueLexicon(defaultLexiconPath('scene'))) : undefined;
    const rows: SceneRow[] = [];
    const y: number[] = [];
    const groups: number[] = []; // [rows] index of the source image
    for (const s of labelled) {
      const item: ItemRef = { id: s.id, index: s.index };
      const c = s.label === undefined ? -1 : taxonomy.labels.indexOf(s.label);
      if (c < 0) throw new EcommirError('ECM_ERR_UNKNOWN_LABEL', `label "${s.label ?? ''}" is not in the scene taxonomy (${taxonomy.source})`, { item });
      const f = await featurizer.features(sceneImage(s), item, copies);
      options.onImage?.();
      rows.push(rowOf(f, lexicon, undefined, usesExtraViews(fusion)));
      y.push(c);
      groups.push(groups.length === 0 ? 0 : groups[groups.length - 1] + 1);
      const source = groups[groups.length - 1];
      for (const aug of f.augmentedEmbeddings ?? []) {
        rows.push(rowOf(f, lexicon, aug, usesExtraViews(fusion)));
        y.push(c);
        groups.push(source);
      }
    }
    if (fusion.views.length === 0 && !(fusion.layoutWeight > 0) && !(fusion.embeddingWeight > 0)) {
      throw new EcommirError('ECM_ERR_BAD_OPTION', 'scene fusion has no features: give text views or a layout / embedding weight above 0');
    }
    const union = fusion.views.length > 0 ? new FeatureUnion(fusion.views).fit(rows.map((r) => r.doc)) : undefined;
    const layoutScaler = fusion.layoutWeight > 0 ? new StandardScaler().fit(rows.map((r) => r.layout!)) : undefined;
    const X = fuse(rows, union, layoutScaler, fusion);
    const coarseOf = taxonomy.labels.map((l) => taxonomy.coarseLabels.indexOf(taxonomy.coarseOf(l)));
    const trained = trainHead(X, Int32Array.from(y), taxonomy.labels, {
      head: { ...DEFAULT_SCENE_HEAD, ...options.head, coarseOf },
      checkpoints: options.checkpoints ?? DEFAULT_SCENE_CHECKPOINTS,
      soup: options.soup,
      calibrate: options.calibrate,
      refit: options.refit,
      classWeight: 'balanced',
      seed: options.seed,
      groups: Int32Array.from(groups),
    });
    return new SceneRecognizer(taxonomy, fusion, union, lexicon, layoutScaler, trained.head, trained.temperature, options.threshold ?? 0.5, trained.report, {
      samples: labelled.length,
      rows: rows.length,
      augmentCopies: copies,
      createdAt: new Date().toISOString(),
    }, featurizer);
  }

  async predict(sample: Sample, options: PredictOptions = {}): Promise<Prediction> {
    return (await this.predictMany([sample], options))[0];
  }

  async predictMany(samples: readonly Sample[], options: PredictOptions = {}): Promise<Prediction[]> {
    const out: Prediction[] = [];
    for (const s of samples) {
      const started = performance.now();
      if (s.task !== 'scene') throw new EcommirError('ECM_ERR_UNKNOWN_TASK', `the scene recogniser got a ${s.task} sample`, { item: { id: s.id, index: s.index } });
      const f = await this.featurizer.features(sceneImage(s), { id: s.id, index: s.index });
      const X = fuse([rowOf(f, this.lexicon, undefined, usesExtraViews(this.fusion))], this.union, this.layoutScaler, this.fusion);
      const proba = calibratedProba(this.head, X, this.temperature);
      const prediction = rankPrediction(s, this.taxonomy, proba, { threshold: options.threshold ?? this.threshold, topK: options.topK });
      prediction.evidence = this.evidence(X, this.labels.indexOf(prediction.label));
      prediction.ms = performance.now() - started;
      out.push(prediction);
    }
    return out;
  }

  /** Which OCR n-grams (by region) and which dense blocks pushed the winning label most. */
  private evidence(X: CsrMatrix, c: number, top = 8): Evidence[] {
    const k = this.labels.length;
    const nText = this.union?.nFeatures ?? 0;
    const byBlock = new Map<string, number>();
    const items: Evidence[] = [];
    for (let p = X.indptr[0]; p < X.indptr[1]; p++) {
      const j = X.indices[p];
      const weight = X.values[p] * this.weights[j * k + c];
      if (j < nText) {
        if (weight <= 0) continue;
        const { view, term } = this.union!.featureName(j);
        if (term.trim() !== '') items.push(signal(`${view}:${term.trim()}`, weight));
      } else {
        const block = this.layoutScaler && j < nText + this.layoutScaler.nFeatures ? 'layout' : 'image-embedding';
        byBlock.set(block, (byBlock.get(block) ?? 0) + weight);
      }
    }
    for (const [block, weight] of byBlock) if (weight > 0) items.push(signal(block, weight));
    return strongestDistinct(items, top);
  }

  async save(dir: string): Promise<string> {
    const json: SceneModelJson = {
      kind: 'SceneRecognizer',
      version: 1,
      task: 'scene',
      taxonomy: this.taxonomy.toJSON(),
      fusion: this.fusion,
      threshold: this.threshold,
      temperature: this.temperature,
      union: this.union?.toJSON(),
      lexicon: this.lexicon ? cueLexiconToJSON(this.lexicon) : undefined,
      layoutScaler: this.layoutScaler?.toJSON(),
      head: this.head.toJSON(),
      report: this.report,
      trainedOn: this.trainedOn,
    };
    return writeModelFile(dir, json);
  }

  static async load(dir: string): Promise<SceneRecognizer> {
    const json = await readModelFile<SceneModelJson>(dir, 'SceneRecognizer', 1);
    return new SceneRecognizer(
      Taxonomy.fromJSON(json.taxonomy, `${dir} (taxonomy)`, 'scene'),
      json.fusion,
      json.union ? FeatureUnion.fromJSON(json.union) : undefined,
      json.lexicon ? parseCueLexicon(json.lexicon, `${dir} (lexicon)`) : undefined,
      json.layoutScaler ? StandardScaler.fromJSON(json.layoutScaler) : undefined,
      SoftmaxRegression.fromJSON(json.head),
      json.temperature,
      json.threshold,
      json.report,
      json.trainedOn,
      new SceneImageFeaturizer(featureOptionsFor(json.fusion)),
    );
  }

  /** The per-image features (OCR lines...) of a sample, from the cache when warm: for the intent recogniser. */
  imageFeatures(ref: Sample['images'][number], item: ItemRef): Promise<ImageFeatures> {
    return this.featurizer.features(ref, item);
  }
}

/** Fused matrix: TF-IDF views, then the standardised layout block, then the embedding block. */
function fuse(rows: readonly SceneRow[], union: FeatureUnion | undefined, layoutScaler: StandardScaler | undefined, fusion: SceneFusionOptions): CsrMatrix {
  const blocks: HstackBlock[] = union ? [{ matrix: union.transform(rows.map((r) => r.doc)) }] : [];
  if (layoutScaler) blocks.push({ kind: 'dense', data: layoutScaler.transform(rows.map((r) => r.layout!)), nCols: layoutScaler.nFeatures, weight: fusion.layoutWeight });
  if (fusion.embeddingWeight > 0) {
    const emb = rows.map((r) => r.embedding!);
    blocks.push({ kind: 'dense', data: l2NormalisedRows(emb), nCols: emb[0].length, weight: fusion.embeddingWeight });
  }
  return hstack(blocks);
}
