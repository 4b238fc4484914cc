// The embedded intent recogniser: cleaned dialogue → text views (user turns, latest question, agent
// replies, cue lexicon, the user's images' OCR text and scenes) → TF-IDF union → softmax head trained
// with the coarse–fine loss, souped and temperature-calibrated (see ../train-head.ts).
import { readFileSync } from 'node:fs';
import { DEFAULT_RULES_PATH, parseDenoiseRules, type DenoiseRules } from '../../clean/rules.js';
import { EcommirError } from '../../errors.js';
import { FeatureUnion, type FeatureUnionJson, type MultiViewDoc, type TextViewSpec } from '../../features/text/feature-union.js';
import { Taxonomy, type TaxonomyFile } from '../../labels/taxonomy.js';
import type { CsrMatrix } from '../../learn/csr.js';
import { SoftmaxRegression, type SoftmaxRegressionJson, type SoftmaxRegressionOptions } from '../../learn/softmax-regression.js';
import type { Evidence, Prediction, Sample } from '../../types.js';
import { readModelFile, writeModelFile } from '../model-file.js';
import { rankPrediction, strongestDistinct } from '../rank.js';
import type { PredictOptions, Recognizer } from '../recognizer.js';
import { calibratedProba, trainHead, type HeadTrainingReport, type SoupMode } from '../train-head.js';
import { cueLexiconToJSON, defaultLexiconPath, loadCueLexicon, parseCueLexicon, type CueLexicon } from '../../features/text/cue-lexicon.js';
import { intentDocument, type ImageEvidence, type IntentDocument } from './views.js';

/** Supplies what the user's images say (OCR text, predicted scenes); absent = text only. */
export interface IntentImageDescriber {
  /** `copy` 0 reads the images as uploaded; k ≥ 1 reads the k-th augmented copy of each (training only). */
  describe(sample: Sample, copy?: number): Promise<ImageEvidence | undefined>;
}

export interface IntentTrainingOptions {
  views?: TextViewSpec[];
  head?: SoftmaxRegressionOptions;
  checkpoints?: Partial<SoftmaxRegressionOptions>[];
  soup?: SoupMode;
  denoise?: boolean;
  calibrate?: 'crossval' | 'validation' | 'none';
  refit?: boolean;
  seed?: number;
  /** Confidence below which a prediction is marked uncertain. Default 0.5. */
  threshold?: number;
  taxonomy?: Taxonomy;
  lexicon?: CueLexicon;
  rulesPath?: string;
  images?: IntentImageDescriber;
  /**
   * The paper's e-commerce augmentation for the image branch: this many extra training rows per
   * sample with images, each reading augmented copies of its images (flip, rotation, brightness and
   * contrast, noise, crop). Needs `images`. Default 0.
   */
  imageAugmentCopies?: number;
}

// Chosen by 5-fold CV over 3 seeds on the dev intent samples (bench/intent-probe.ts, BENCHMARKS.md).
export const DEFAULT_INTENT_VIEWS: TextViewSpec[] = [
  { name: 'user', analyzer: { kind: 'char', min: 1, max: 2 }, tfidf: { sublinearTf: true } },
  { name: 'lexicon', analyzer: { kind: 'tokens' }, weight: 1 },
];
export const DEFAULT_INTENT_HEAD: SoftmaxRegressionOptions = { l2: 3e-3, epochs: 200, lr: 0.05, coarseWeight: 0.5 };
export const DEFAULT_INTENT_CHECKPOINTS: Partial<SoftmaxRegressionOptions>[] = [
  { l2: 3e-3 },
  { l2: 1e-3 },
  { l2: 1e-2 },
  { l2: 3e-3, epochs: 100 },
  { l2: 3e-3, lr: 0.1 },
];

interface IntentModelJson {
  kind: 'IntentRecognizer';
  version: 1;
  task: 'intent';
  labels: string[];
  taxonomy: TaxonomyFile;
  rules: unknown;
  lexicon: { labels: Record<string, string[]> };
  denoise: boolean;
  threshold: number;
  temperature: number;
  union: FeatureUnionJson;
  head: SoftmaxRegressionJson;
  report: HeadTrainingReport;
  trainedOn: { samples: number; createdAt: string };
}

export class IntentRecognizer implements Recognizer {
  readonly task = 'intent' as const;
  readonly labels: readonly string[];
  images?: IntentImageDescriber;
  private readonly weights: Float32Array; // [nFeatures, k] row-major then [k] bias, for evidence

  private constructor(
    readonly taxonomy: Taxonomy,
    private readonly rules: DenoiseRules,
    private readonly rulesJson: unknown,
    private readonly lexicon: CueLexicon,
    private readonly union: FeatureUnion,
    private readonly head: SoftmaxRegression,
    readonly temperature: number,
    readonly denoise: boolean,
    readonly threshold: number,
    readonly report: HeadTrainingReport,
    readonly trainedOn: { samples: number; createdAt: string },
  ) {
    this.labels = taxonomy.labels;
    this.weights = head.parameters();
  }

  static async fit(samples: readonly Sample[], options: IntentTrainingOptions = {}): Promise<IntentRecognizer> {
    const taxonomy = options.taxonomy ?? Taxonomy.default('intent');
    const rulesPath = options.rulesPath ?? DEFAULT_RULES_PATH;
    const rulesJson = JSON.parse(readFileSync(rulesPath, 'utf8')) as unknown;
    const rules = parseDenoiseRules(rulesJson, rulesPath);
    const lexicon = options.lexicon ?? loadCueLexicon(defaultLexiconPath('intent'));
    const denoise = options.denoise ?? true;
    const labelled = samples.filter((s) => s.task === 'intent');
    if (labelled.length === 0) throw new EcommirError('ECM_ERR_BAD_OPTION', 'no intent samples to train on');
    const labelOf = (s: Sample): number => {
      if (s.label === undefined) throw new EcommirError('ECM_ERR_BAD_RECORD', 'a training sample has no label', { item: { id: s.id, index: s.index } });
      const c = taxonomy.labels.indexOf(s.label);
      if (c < 0) throw new EcommirError('ECM_ERR_UNKNOWN_LABEL', `label "${s.label}" is not in the intent taxonomy (${taxonomy.source})`, { item: { id: s.id, index: s.index } });
      return c;
    };
    const copies = options.images ? (options.imageAugmentCopies ?? 0) : 0;
    const docs: MultiViewDoc[] = [];
    const labels: number[] = [];
    const groups: number[] = []; // [rows] the sample a row comes from: copies stay on its side of every split
    for (const [i, s] of labelled.entries()) {
      const c = labelOf(s);
      docs.push(intentDocument(s, lexicon, rules, { denoise }, await options.images?.describe(s)).doc);
      labels.push(c);
      groups.push(i);
      for (let k = 1; k <= copies && s.images.length > 0; k++) {
        docs.push(intentDocument(s, lexicon, rules, { denoise }, await options.images!.describe(s, k)).doc);
        labels.push(c);
        groups.push(i);
      }
    }
    const y = Int32Array.from(labels);
    const union = new FeatureUnion(options.views ?? DEFAULT_INTENT_VIEWS);
    const X = union.fitTransform(docs);
    const coarseOf = taxonomy.labels.map((l) => taxonomy.coarseLabels.indexOf(taxonomy.coarseOf(l)));
    const trained = trainHead(X, y, taxonomy.labels, {
      head: { ...DEFAULT_INTENT_HEAD, ...options.head, coarseOf },
      checkpoints: options.checkpoints ?? DEFAULT_INTENT_CHECKPOINTS,
      soup: options.soup,
      calibrate: options.calibrate,
      refit: options.refit,
      classWeight: 'balanced',
      seed: options.seed,
      groups: Int32Array.from(groups),
    });
    const recognizer = new IntentRecognizer(taxonomy, rules, rulesJson, lexicon, union, trained.head, trained.temperature, denoise, options.threshold ?? 0.5, trained.report, {
      samples: labelled.length,
      createdAt: new Date().toISOString(),
    });
    recognizer.images = options.images;
    return recognizer;
  }

  /** True when the model reads the user's images (an `ocr` or `scene` view): it then needs `images`. */
  get usesImages(): boolean {
    return this.union.viewNames.some((v) => v === 'ocr' || v === 'scene');
  }

  async predict(sample: Sample, options: PredictOptions = {}): Promise<Prediction> {
    return (await this.predictMany([sample], options))[0];
  }

  async predictMany(samples: readonly Sample[], options: PredictOptions = {}): Promise<Prediction[]> {
    const started = performance.now();
    const built: IntentDocument[] = [];
    for (const s of samples) {
      if (s.task !== 'intent') throw new EcommirError('ECM_ERR_UNKNOWN_TASK', `the intent recogniser got a ${s.task} sample`, { item: { id: s.id, index: s.index } });
      built.push(intentDocument(s, this.lexicon, this.rules, { denoise: this.denoise }, await this.images?.describe(s)));
    }
    const X = this.union.transform(built.map((b) => b.doc));
    const proba = calibratedProba(this.head, X, this.temperature);
    const ms = (performance.now() - started) / Math.max(1, samples.length);
    return samples.map((s, i) => {
      const prediction = rankPrediction(s, this.taxonomy, proba.subarray(i * this.labels.length, (i + 1) * this.labels.length), {
        threshold: options.threshold ?? this.threshold,
        topK: options.topK,
      });
      prediction.evidence = this.evidence(X, i, this.labels.indexOf(prediction.label), built[i].turns.map((t) => t.text));
      prediction.ms = ms;
      return prediction;
    });
  }

  /** The features that pushed the winning label most: x_j·W[j,c], with the cleaned turn each came from. */
  private evidence(X: CsrMatrix, row: number, c: number, turnTexts: string[], top = 8): Evidence[] {
    const k = this.labels.length;
    const items: Evidence[] = [];
    for (let p = X.indptr[row]; p < X.indptr[row + 1]; p++) {
      const weight = X.values[p] * this.weights[X.indices[p] * k + c];
      if (weight <= 0) continue;
      const { view, term } = this.union.featureName(X.indices[p]);
      const shown = view === 'lexicon' ? term : term.trim();
      if (shown === '') continue;
      const lexiconCue = view === 'lexicon' ? this.cueOf(term, turnTexts) : undefined;
      const needle = lexiconCue ?? shown;
      const turn = turnTexts.findIndex((t) => t.toLowerCase().includes(needle));
      items.push({ feature: view === 'lexicon' ? `${term}${lexiconCue ? ` (${lexiconCue})` : ''}` : `${view}:${shown}`, weight, ...(turn >= 0 ? { turn } : {}) });
    }
    return strongestDistinct(items, top);
  }

  private cueOf(token: string, turnTexts: string[]): string | undefined {
    const label = token.slice(token.indexOf(':') + 1);
    const cues = this.lexicon.cues.get(label) ?? [];
    for (const t of turnTexts) {
      const lower = t.toLowerCase();
      const cue = cues.find((q) => lower.includes(q));
      if (cue) return cue;
    }
    return undefined;
  }

  async save(dir: string): Promise<string> {
    const json: IntentModelJson = {
      kind: 'IntentRecognizer',
      version: 1,
      task: 'intent',
      labels: [...this.labels],
      taxonomy: this.taxonomy.toJSON(),
      rules: this.rulesJson,
      lexicon: cueLexiconToJSON(this.lexicon),
      denoise: this.denoise,
      threshold: this.threshold,
      temperature: this.temperature,
      union: this.union.toJSON(),
      head: this.head.toJSON(),
      report: this.report,
      trainedOn: this.trainedOn,
    };
    return writeModelFile(dir, json);
  }

  static async load(dir: string): Promise<IntentRecognizer> {
    const json = await readModelFile<IntentModelJson>(dir, 'IntentRecognizer', 1);
    const taxonomy = Taxonomy.fromJSON(json.taxonomy, `${dir} (taxonomy)`, 'intent');
    return new IntentRecognizer(
      taxonomy,
      parseDenoiseRules(json.rules, `${dir} (rules)`),
      json.rules,
      parseCueLexicon(json.lexicon, `${dir} (lexicon)`),
      FeatureUnion.fromJSON(json.union),
      SoftmaxRegression.fromJSON(json.head),
      json.temperature,
      json.denoise,
      json.threshold,
      json.report,
      json.trainedOn,
    );
  }
}

