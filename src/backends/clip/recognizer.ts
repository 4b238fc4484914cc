// The clip backend's scene recogniser: image → cached CLIP embedding → zero-shot scores against the
// taxonomy's prompt embeddings, or the trained (souped) adapter's scores → calibrated probabilities →
// rankPrediction. fit() trains the adapter on cached embeddings and, given unlabelled samples, adds
// their pseudo-labels (confidence ≥ 0.99) and trains again from the same initialisation.
// save() writes the adapter and a reference to the model folder (never the weights); load() reopens both.
import path from 'node:path';
import { EcommirError, type ItemRef } from '../../errors.js';
import type { FeatureCache } from '../../features/cache.js';
import { Taxonomy, type TaxonomyFile } from '../../labels/taxonomy.js';
import { applyTemperature } from '../../learn/calibration.js';
import { selectPseudoLabels } from '../../learn/pseudo.js';
import { decodeFloat32, encodeTypedArray, type EncodedTypedArray } from '../../learn/typed-json.js';
import { checkModelSettings, fromModelFile, readModelFile, writeModelFile } from '../../tasks/model-file.js';
import { candidatePositions, rankPrediction } from '../../tasks/rank.js';
import type { PredictOptions, Recognizer } from '../../tasks/recognizer.js';
import type { ImageRef, Prediction, Sample } from '../../types.js';
import { adapterForward, type AdapterShape } from './adapter.js';
import { ClipEmbedder, l2Normalised } from './embeddings.js';
import { ClipModel, type ClipDtype } from './model.js';
import { checkTemplates, DEFAULT_PROMPT_TEMPLATES, zeroShotLabelEmbeddings } from './prompts.js';
import { trainClipAdapter, type AdapterTrainingOptions, type AdapterTrainingReport } from './train-adapter.js';

export const CLIP_SCENE_KIND = 'clip-scene';
export const CLIP_SCENE_VERSION = 1;

export interface ClipSceneOptions {
  /** A CLIP / Chinese-CLIP / SigLIP folder in the transformers.js layout. */
  modelDir: string;
  taxonomy?: Taxonomy;
  templates?: readonly string[];
  dtype?: ClipDtype;
  /** Overrides the model's logit scale. */
  logitScale?: number;
  cache?: FeatureCache;
}

export interface ClipSceneFitOptions extends AdapterTrainingOptions {
  /** Unlabelled samples to pseudo-label with the trained adapter and train on again. */
  unlabeled?: Sample[];
  /** Confidence a pseudo-label needs. Default 0.99 (the paper's). */
  pseudoThreshold?: number;
}

export interface ClipSceneFitReport extends AdapterTrainingReport {
  pseudoLabels?: { total: number; kept: number; threshold: number };
}

interface FittedAdapter {
  params: Float32Array;
  shape: AdapterShape;
  temperature: number;
  report: ClipSceneFitReport;
}

interface ClipSceneModelFile {
  kind: typeof CLIP_SCENE_KIND;
  version: typeof CLIP_SCENE_VERSION;
  task: 'scene';
  modelDir: string;
  modelFingerprint: string;
  dtype: ClipDtype;
  logitScale: number;
  templates: string[];
  taxonomy: TaxonomyFile;
  adapter: { shape: AdapterShape; params: EncodedTypedArray; temperature: number; report: ClipSceneFitReport } | null;
}

export class ClipSceneRecognizer implements Recognizer {
  readonly task = 'scene' as const;
  private fitted: FittedAdapter | null = null;

  private constructor(
    readonly taxonomy: Taxonomy,
    readonly embedder: ClipEmbedder,
    readonly templates: readonly string[],
    /** Zero-shot label embeddings [k, D], unit rows. */
    readonly labelEmbeddings: Float32Array,
  ) {}

  /** Loads the model folder and builds the zero-shot label embeddings (cached); ready to predict zero-shot. */
  static async create(options: ClipSceneOptions): Promise<ClipSceneRecognizer> {
    const taxonomy = options.taxonomy ?? Taxonomy.default('scene');
    if (taxonomy.task !== 'scene') throw new EcommirError('ECM_ERR_BAD_TAXONOMY', `the clip scene recogniser needs a scene taxonomy, got ${taxonomy.task}`);
    const templates = checkTemplates(options.templates ?? DEFAULT_PROMPT_TEMPLATES);
    const model = await ClipModel.load(options.modelDir, { dtype: options.dtype, logitScale: options.logitScale });
    const embedder = new ClipEmbedder(model, { cache: options.cache });
    const { weights } = await zeroShotLabelEmbeddings(taxonomy, templates, (t) => embedder.text(t));
    return new ClipSceneRecognizer(taxonomy, embedder, templates, weights);
  }

  get labels(): readonly string[] {
    return this.taxonomy.labels;
  }

  get model(): ClipModel {
    return this.embedder.model;
  }

  /** The report of the last fit (or of the loaded adapter); undefined when zero-shot. */
  get report(): ClipSceneFitReport | undefined {
    return this.fitted?.report;
  }

  /** Unit image embedding [D] of a scene sample's image. */
  async embedSample(sample: Sample): Promise<Float32Array> {
    return l2Normalised(await this.embedder.image(sceneImage(sample), itemOf(sample)));
  }

  /** Probabilities [n, k] for unit embeddings X [n, D]: the adapter's when fitted, else zero-shot. */
  probabilities(X: Float32Array, n: number): Float32Array {
    const k = this.labels.length;
    const D = this.labelEmbeddings.length / k;
    if (this.fitted) {
      const { logits } = adapterForward(this.fitted.params, this.fitted.shape, this.model.logitScale, X, n);
      return applyTemperature(logits, k, this.fitted.temperature);
    }
    const logits = new Float32Array(n * k); // [n, k] = scale · X · Tᵀ
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < k; c++) {
        let s = 0;
        for (let j = 0; j < D; j++) s += X[i * D + j] * this.labelEmbeddings[c * D + j];
        logits[i * k + c] = this.model.logitScale * s;
      }
    }
    return applyTemperature(logits, k, 1);
  }

  async predict(sample: Sample, options: PredictOptions = {}): Promise<Prediction> {
    const started = performance.now();
    candidatePositions(sample, this.taxonomy);
    const x = await this.embedSample(sample);
    const prediction = rankPrediction(sample, this.taxonomy, this.probabilities(x, 1), options);
    prediction.ms = performance.now() - started;
    return prediction;
  }

  async fit(samples: Sample[], options: ClipSceneFitOptions = {}): Promise<this> {
    const y = Int32Array.from(samples, (s, i) => {
      if (s.label === undefined) throw new EcommirError('ECM_ERR_BAD_RECORD', 'a training sample needs a label', { item: itemOf(s, i) });
      const c = this.labels.indexOf(s.label);
      if (c < 0) throw new EcommirError('ECM_ERR_UNKNOWN_LABEL', `label "${s.label}" is not in the scene taxonomy`, { item: itemOf(s, i) });
      return c;
    });
    if (samples.length === 0) throw new EcommirError('ECM_ERR_BAD_OPTION', 'fit needs at least one labelled sample');
    const X = await this.embedAll(samples);
    const scale = this.model.logitScale;
    const first = trainClipAdapter(X, y, this.labels, this.labelEmbeddings, scale, options);
    this.fitted = { ...first, report: first.report };
    const unlabeled = options.unlabeled ?? [];
    if (unlabeled.length === 0) return this;

    const threshold = options.pseudoThreshold ?? 0.99;
    const U = await this.embedAll(unlabeled);
    const chosen = selectPseudoLabels(this.probabilities(U, unlabeled.length), this.labels.length, undefined, { threshold });
    const D = this.labelEmbeddings.length / this.labels.length;
    const extraX = new Float32Array(chosen.indices.length * D); // [kept, D]
    chosen.indices.forEach((row, i) => extraX.set(U.subarray(row * D, (row + 1) * D), i * D));
    const second = trainClipAdapter(X, y, this.labels, this.labelEmbeddings, scale, options, { X: extraX, y: chosen.labels });
    this.fitted = { ...second, report: { ...second.report, pseudoLabels: { total: unlabeled.length, kept: chosen.counts.kept, threshold } } };
    return this;
  }

  async save(dir: string): Promise<string> {
    const file: ClipSceneModelFile = {
      kind: CLIP_SCENE_KIND,
      version: CLIP_SCENE_VERSION,
      task: 'scene',
      modelDir: this.model.info.dir,
      modelFingerprint: this.model.info.fingerprint,
      dtype: this.model.info.dtype,
      logitScale: this.model.logitScale,
      templates: [...this.templates],
      taxonomy: this.taxonomy.toJSON(),
      adapter: this.fitted
        ? { shape: this.fitted.shape, params: encodeTypedArray(this.fitted.params), temperature: this.fitted.temperature, report: this.fitted.report }
        : null,
    };
    return writeModelFile(dir, file);
  }

  /** Reopens a saved recogniser; `modelDir` points at the CLIP folder when it has moved since training. */
  static async load(dir: string, options: { modelDir?: string; cache?: FeatureCache } = {}): Promise<ClipSceneRecognizer> {
    const file = await readModelFile<ClipSceneModelFile>(dir, CLIP_SCENE_KIND, CLIP_SCENE_VERSION);
    const taxonomy = Taxonomy.fromJSON(file.taxonomy, path.join(dir, 'model.json'), 'scene');
    const recognizer = await ClipSceneRecognizer.create({
      modelDir: options.modelDir ?? file.modelDir,
      taxonomy,
      templates: file.templates,
      dtype: file.dtype,
      logitScale: file.logitScale,
      cache: options.cache,
    });
    if (recognizer.model.info.fingerprint !== file.modelFingerprint) {
      throw new EcommirError(
        'ECM_ERR_NO_MODEL',
        `the adapter in ${dir} was trained on another CLIP model than the one in ${recognizer.model.info.dir} (fingerprints differ): its embeddings would not fit`,
        { item: { file: dir }, statusCode: 503 },
      );
    }
    if (file.adapter) {
      const adapter = file.adapter;
      checkModelSettings(dir, { temperature: adapter.temperature });
      recognizer.fitted = fromModelFile(dir, () => ({
        shape: adapter.shape,
        params: decodeFloat32(adapter.params, 'adapter parameters'),
        temperature: adapter.temperature,
        report: adapter.report,
      }));
    }
    return recognizer;
  }

  private async embedAll(samples: Sample[]): Promise<Float32Array> {
    const k = this.labels.length;
    const D = this.labelEmbeddings.length / k;
    const X = new Float32Array(samples.length * D); // [n, D]
    for (const [i, s] of samples.entries()) X.set(await this.embedSample(s), i * D);
    return X;
  }
}

function itemOf(sample: Sample, index = sample.index): ItemRef {
  return { id: sample.id, index };
}

/** A scene sample's image: its first image (a scene record holds exactly one). */
function sceneImage(sample: Sample): ImageRef {
  const ref = sample.images[0] ?? sample.turns.flatMap((t) => t.images)[0];
  if (!ref) throw new EcommirError('ECM_ERR_IMAGE_MISSING', 'a scene sample needs an image', { item: itemOf(sample) });
  return ref;
}
