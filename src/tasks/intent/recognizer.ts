// The embedded intent recogniser: cleaned dialogue → text views (user turns, latest question, agent
// replies, cue lexicon, the user's images' OCR text and scenes) → TF-IDF union → softmax head trained
// with the coarse–fine loss, souped and temperature-calibrated (see ../train-head.ts).
import { DEFAULT_RULES_PATH, parseDenoiseRules, readDenoiseRulesFile, type DenoiseRules } from '../../clean/rules.js';
import { cachedPatternMemo } from './redos-memo.js';
import { EcommirError } from '../../errors.js';
import { FeatureUnion, type FeatureUnionJson, type AnalyzerSpec, type MultiViewDoc, type TextViewSpec } from '../../features/text/feature-union.js';
import { Taxonomy, type TaxonomyFile } from '../../labels/taxonomy.js';
import type { CsrMatrix } from '../../learn/csr.js';
import { SoftmaxRegression, type SoftmaxRegressionJson, type SoftmaxRegressionOptions } from '../../learn/softmax-regression.js';
import type { Evidence, Prediction, Sample } from '../../types.js';
import { checkLabelOrder, checkModelSettings, fromModelFile, readModelFile, writeModelFile, type ReadModelOptions } from '../model-file.js';
import { rankPrediction } from '../rank.js';
import { checkPredictOptions, checkSamples, type PredictOptions, type Recognizer } from '../recognizer.js';
import { calibratedProba, trainHead, type HeadTrainingReport, type SoupMode } from '../train-head.js';
import { cueLexiconToJSON, defaultLexiconPath, loadCueLexicon, parseCueLexicon, type CueLexicon } from '../../features/text/cue-lexicon.js';
import { intentDocument, type ImageEvidence, type IntentDocument } from './views.js';
import { intentEvidence, MAX_STRONG, STRONG_SHARE, type Contribution, type TokenSource } from './evidence.js';
import { TextFolder, parseVariantTables, type VariantTables } from '../../features/text/variants.js';
import { createLearner, learnerFromJSON, type Learner, type LearnerJson, type LearnerSpec } from '../../learn/learner.js';
import { StackingClassifier } from '../../learn/stacking.js';
import '../../learn/ensemble-selection.js';
import '../../learn/log-linear-pool.js';
import { CueMiner, type CueMinerJson, type CueMinerOptions } from '../../features/text/cue-miner.js';
import { groupedFolds } from '../../learn/out-of-fold.js';
import { colloquialCopies, type ColloquialAugmentOptions } from './augment.js';
import { fitOutOfFoldCalibration, calibrateScores, parseScoreCalibration, type ScoreCalibration } from '../../learn/oof-calibration.js';

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
  /**
   * Fold typing variation before features (knowledge/text/variants.json: traditional → simplified,
   * full/half width, emoji, English and pinyin words, look-alike and same-sound typos). Default off
   * (the options object of an older model); the shipped recipe turns it on.
   */
  folder?: TextFolder;
  /**
   * Any learner instead of the souped softmax head (e.g. a StackingClassifier of an SVM, naive Bayes and
   * nearest neighbours). Its probabilities are used as they are (temperature 1).
   */
  learner?: LearnerSpec;
  /**
   * Knowledge rows (synthetic labelled dialogues written from the label definitions): added to the
   * training rows only — never to a validation split, a calibration fold or an out-of-fold score.
   */
  knowledge?: readonly Sample[];
  /** Sample weight of each knowledge row (real rows weigh 1). Default 1. */
  knowledgeWeight?: number;
  /** Mine discriminative n-gram cues from the training rows (a `mined` tokens view reads them). Default off. */
  mineCues?: CueMinerOptions;
  /**
   * More knowledge sets, each with its own sample weight (e.g. template-generated and handwritten
   * dialogues). Training-only, like `knowledge`.
   */
  knowledgeSets?: readonly KnowledgeSet[];
  /** Rewritten (colloquial) copies of each real training dialogue, kept in their source's group. Default none. */
  augment?: ColloquialAugmentOptions;
  /**
   * Class weights of the learner path: 'balanced' (default; every class weighs the same in total, by
   * row count) or 'none' (rows weigh their sample weight only, so classes keep their frequency).
   */
  classWeight?: 'balanced' | 'none';
  /**
   * Learner path: fit a temperature on out-of-fold scores of the real training rows (5 folds inside
   * the training data; knowledge rows in every training part), so confidences mean something. With
   * `prior`, also how far to lean towards the real rows' label frequencies, chosen on the same scores.
   */
  calibration?: { folds?: number; prior?: readonly number[] };
  /**
   * Repeated fits over the same samples with the same view settings (cross-validation): documents
   * built once per sample object. Only valid while lexicon, rules, folding, denoising and images stay
   * the same for every fit that shares it.
   */
  documentCache?: WeakMap<Sample, MultiViewDoc>;
}

/** A named set of knowledge rows with its sample weight. */
export interface KnowledgeSet {
  name: string;
  samples: readonly Sample[];
  weight: number;
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
  /** The souped softmax head (absent when `learner` is set). */
  head?: SoftmaxRegressionJson;
  learner?: LearnerJson;
  variants?: VariantTables;
  knowledge?: { samples: number; weight: number; sets?: { name: string; samples: number; weight: number }[] };
  miner?: CueMinerJson;
  calibration?: ScoreCalibration;
  report: HeadTrainingReport;
  trainedOn: { samples: number; createdAt: string };
}

export class IntentRecognizer implements Recognizer {
  readonly task = 'intent' as const;
  readonly labels: readonly string[];
  images?: IntentImageDescriber;
  private readonly weights: Float32Array | undefined; // [nFeatures, k] row-major then [k] bias, for evidence (linear models)
  private analyzers: Record<string, AnalyzerSpec> | undefined;
  private viewsRead: ReadonlySet<string> | undefined;

  private constructor(
    readonly taxonomy: Taxonomy,
    private readonly rules: DenoiseRules,
    private readonly rulesJson: unknown,
    private readonly lexicon: CueLexicon,
    private readonly union: FeatureUnion,
    private readonly head: SoftmaxRegression | Learner,
    readonly temperature: number,
    readonly denoise: boolean,
    readonly threshold: number,
    readonly report: HeadTrainingReport | undefined,
    readonly trainedOn: { samples: number; createdAt: string },
    private readonly folder?: TextFolder,
    readonly knowledgeUsed?: { samples: number; weight: number; sets?: { name: string; samples: number; weight: number }[] },
    private readonly miner?: CueMiner,
    /** Learner path: the temperature and label-frequency correction fitted on out-of-fold scores. */
    readonly calibration?: ScoreCalibration,
  ) {
    this.labels = taxonomy.labels;
    this.weights = linearWeights(head);
  }

  static async fit(samples: readonly Sample[], options: IntentTrainingOptions = {}): Promise<IntentRecognizer> {
    const taxonomy = options.taxonomy ?? Taxonomy.default('intent');
    const rulesPath = options.rulesPath ?? DEFAULT_RULES_PATH;
    const memo = cachedPatternMemo();
    const { json: rulesJson, rules } = readDenoiseRulesFile(rulesPath, { provenSafe: memo });
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
    const folder = options.folder;
    const docs: MultiViewDoc[] = [];
    const labels: number[] = [];
    const groups: number[] = []; // [rows] the sample a row comes from: copies stay on its side of every split
    const alwaysTrain: number[] = []; // [rows] 1 = a knowledge row
    const weights: number[] = [];
    const cache = options.documentCache;
    const documentOf = async (s: Sample, describe: boolean): Promise<MultiViewDoc> => {
      const hit = cache?.get(s);
      if (hit) return { ...hit };
      const doc = intentDocument(s, lexicon, rules, { denoise, folder }, describe ? await options.images?.describe(s) : undefined).doc;
      cache?.set(s, doc);
      return { ...doc };
    };
    const push = (doc: MultiViewDoc, c: number, group: number, knowledgeRow: boolean, weight: number): void => {
      docs.push(doc);
      labels.push(c);
      groups.push(group);
      alwaysTrain.push(knowledgeRow ? 1 : 0);
      weights.push(weight);
    };
    for (const [i, s] of labelled.entries()) {
      const c = labelOf(s);
      push(await documentOf(s, true), c, i, false, 1);
      for (let k = 1; k <= copies && s.images.length > 0; k++) {
        push(intentDocument(s, lexicon, rules, { denoise, folder }, await options.images!.describe(s, k)).doc, c, i, false, 1);
      }
      if (options.augment && options.augment.copies > 0) {
        // The copies read their source's images (what the user showed does not change with wording).
        const evidence = options.images ? await options.images.describe(s) : undefined;
        for (const copy of colloquialCopies(s, options.augment)) push(intentDocument(copy, lexicon, rules, { denoise, folder }, evidence).doc, c, i, false, options.augment.weight ?? 0.5);
      }
    }
    const sets: KnowledgeSet[] = [
      ...(options.knowledge?.length ? [{ name: 'knowledge', samples: options.knowledge, weight: options.knowledgeWeight ?? 1 }] : []),
      ...(options.knowledgeSets ?? []),
    ];
    let nKnowledge = 0;
    for (const set of sets) {
      for (const s of set.samples) {
        if (s.task !== 'intent') continue;
        // Knowledge rows carry no images: the synthetic dialogues only say where an image would be.
        push(await documentOf(s, false), labelOf(s), labelled.length + nKnowledge++, true, set.weight);
      }
    }
    const y = Int32Array.from(labels);
    let miner: CueMiner | undefined;
    if (options.mineCues) {
      const texts = docs.map((d) => String(d.user ?? ''));
      const names = labels.map((c) => taxonomy.labels[c]);
      miner = new CueMiner(options.mineCues).fit(texts, names, weights);
      // A training row's own cues would name its label perfectly, so the head would lean on them
      // entirely: each real row gets its tokens from a miner fitted without its fold (knowledge rows
      // are in every fold's miner), as out-of-fold target encoding does.
      for (const fold of groupedFolds(y, { folds: 5, seed: options.seed ?? 0, groups, alwaysTrain })) {
        const foldMiner = new CueMiner(options.mineCues).fit(fold.train.map((i) => texts[i]), fold.train.map((i) => names[i]), fold.train.map((i) => weights[i]));
        for (const i of fold.test) addMinedTokens(docs[i], foldMiner);
      }
      docs.forEach((d, i) => {
        if (alwaysTrain[i]) addMinedTokens(d, miner!);
      });
    }
    const union = new FeatureUnion(options.views ?? DEFAULT_INTENT_VIEWS);
    const X = union.fitTransform(docs);
    const coarseOf = taxonomy.labels.map((l) => taxonomy.coarseLabels.indexOf(taxonomy.coarseOf(l)));
    const knowledgeUsed = nKnowledge ? { samples: nKnowledge, weight: sets[0].weight, ...(sets.length > 1 ? { sets: sets.map((k) => ({ name: k.name, samples: k.samples.length, weight: k.weight })) } : {}) } : undefined;
    const trainedOn = { samples: labelled.length, createdAt: new Date().toISOString() };
    if (options.learner) {
      const spec = options.learner;
      const learnerSpec = { kind: spec.kind, options: { ...spec.options, nClasses: taxonomy.labels.length } };
      const fitOptions = {
        ...(options.classWeight === 'none' ? {} : { classWeight: 'balanced' as const }),
        sampleWeight: Float64Array.from(weights),
        groups: Int32Array.from(groups),
        alwaysTrain: Uint8Array.from(alwaysTrain),
      };
      const learner = createLearner(learnerSpec);
      learner.fit(X, y, fitOptions as never);
      const calibration = options.calibration
        ? fitOutOfFoldCalibration(learnerSpec, X, y, fitOptions, { folds: options.calibration.folds, seed: options.seed, priorPowers: options.calibration.prior })
        : undefined;
      const recognizer = new IntentRecognizer(taxonomy, rules, rulesJson, lexicon, union, learner, calibration?.temperature ?? 1, denoise, options.threshold ?? 0.5, undefined, trainedOn, folder, knowledgeUsed, miner, calibration);
      recognizer.images = options.images;
      await memo.settled();
      return recognizer;
    }
    const trained = trainHead(X, y, taxonomy.labels, {
      head: { ...DEFAULT_INTENT_HEAD, ...options.head, coarseOf },
      checkpoints: options.checkpoints ?? DEFAULT_INTENT_CHECKPOINTS,
      soup: options.soup,
      calibrate: options.calibrate,
      refit: options.refit,
      classWeight: 'balanced',
      seed: options.seed,
      groups: Int32Array.from(groups),
      alwaysTrain: Uint8Array.from(alwaysTrain),
      sampleWeight: Float64Array.from(weights),
    });
    const recognizer = new IntentRecognizer(taxonomy, rules, rulesJson, lexicon, union, trained.head, trained.temperature, denoise, options.threshold ?? 0.5, trained.report, trainedOn, folder, knowledgeUsed, miner);
    recognizer.images = options.images;
    await memo.settled();
    return recognizer;
  }

  /** True when the model reads the user's images (an `ocr` or `scene` view): it then needs `images`. */
  get usesImages(): boolean {
    return this.union.viewNames.some((v) => v === 'ocr' || v === 'scene');
  }

  /** Whether it reads a dialogue's pixels (Recognizer.readsImages): with a describer, every prediction describes the images. */
  get readsImages(): boolean {
    return this.images !== undefined;
  }

  /** True when it reads images (usesImages) and has a describer for them: its answers then follow that model's. */
  get readsSceneModel(): boolean {
    return this.usesImages && this.images !== undefined;
  }

  async predict(sample: Sample, options: PredictOptions = {}): Promise<Prediction> {
    return (await this.predictMany([sample], options))[0];
  }

  async predictMany(samples: readonly Sample[], options: PredictOptions = {}): Promise<Prediction[]> {
    const started = performance.now();
    checkSamples(samples, 'intent', this.taxonomy);
    checkPredictOptions(options);
    const built: IntentDocument[] = [];
    this.viewsRead ??= new Set(this.union.viewNames);
    for (const s of samples) {
      built.push(intentDocument(s, this.lexicon, this.rules, { denoise: this.denoise, folder: this.folder, track: options.evidence !== false, views: this.viewsRead }, await this.images?.describe(s)));
      if (this.miner) addMinedTokens(built[built.length - 1].doc, this.miner);
    }
    const X = this.union.transform(built.map((b) => b.doc));
    const proba =
      this.head instanceof SoftmaxRegression
        ? calibratedProba(this.head, X, this.temperature)
        : this.calibration
          ? calibrateScores(this.head.decisionFunction(X), this.labels.length, this.calibration)
          : this.head.predictProba(X);
    const ms = (performance.now() - started) / Math.max(1, samples.length);
    return samples.map((s, i) => {
      const prediction = rankPrediction(s, this.taxonomy, proba.subarray(i * this.labels.length, (i + 1) * this.labels.length), {
        threshold: options.threshold ?? this.threshold,
        topK: options.topK,
      });
      if (options.evidence !== false) prediction.evidence = this.evidence(X, i, s, built[i], prediction.label);
      prediction.ms = ms;
      return prediction;
    });
  }

  /**
   * The words that pushed the winning label most (x_j·W[j,c] of the linear head), as spans of the
   * turns as sent, each with a short reason (./evidence.ts).
   */
  private evidence(X: CsrMatrix, row: number, sample: Sample, built: IntentDocument, label: string): Evidence[] {
    const k = this.labels.length;
    const c = this.labels.indexOf(label);
    if (!this.weights || !built.tracked) return [];
    // Only the features intentEvidence keeps (≥ 12% of the strongest, at most 40) are named: naming
    // every positive n-gram cost more than the answer itself.
    const positive: { column: number; weight: number }[] = [];
    let top = 0;
    for (let p = X.indptr[row]; p < X.indptr[row + 1]; p++) {
      const weight = X.values[p] * this.weights[X.indices[p] * k + c];
      if (weight <= 0) continue;
      positive.push({ column: X.indices[p], weight });
      if (weight > top) top = weight;
    }
    const contributions: Contribution[] = positive
      .filter((f) => f.weight >= STRONG_SHARE * top)
      .sort((a, b) => b.weight - a.weight)
      .slice(0, MAX_STRONG)
      .map((f) => ({ ...this.union.featureName(f.column), weight: f.weight }));
    this.analyzers ??= Object.fromEntries(this.union.viewSpecs.map((v) => [v.name, v.analyzer]));
    const analyzers = this.analyzers;
    const doc = built.doc;
    const textViews = ['user', 'last', 'first', 'agent'] as const;
    return intentEvidence({
      contributions,
      views: built.tracked,
      analyzers,
      textViewOf: (view) => textViews.find((name) => name === view || (typeof doc[view] === 'string' && view.startsWith(name))),
      tokenSource: (view, term) => this.tokenSource(view, term),
      turns: sample.turns,
      label,
      labelEnglish: this.taxonomy.english(label) ?? (Taxonomy.default('intent').has(label) ? Taxonomy.default('intent').english(label) : undefined),
    });
  }

  /** What a token of a token view stands for in the text: a lexicon cue, a mined cue, a word class. */
  private tokenSource(view: string, term: string): TokenSource | undefined {
    const [scope, ...rest] = term.split(':');
    const where = (s: string): TokenSource['view'] => (s === 'last' ? 'last' : s === 'agent' ? 'agent' : 'user');
    if (view === 'lexicon') return { view: where(scope), needles: [...(this.lexicon.cues.get(rest.join(':')) ?? [])].sort((a, b) => b.length - a.length), kind: 'lexicon' };
    if (view === 'mined') {
      const [s, label] = scope === 'mined' ? ['user', rest.join(':')] : [scope, rest.slice(1).join(':')];
      const cues = this.miner?.mined.filter((m) => m.label === label).map((m) => m.text) ?? [];
      return { view: where(s), needles: cues.sort((a, b) => b.length - a.length), kind: 'mined' };
    }
    if (view === 'classes' && rest[0] === 'class') return { view: where(scope), needles: this.folder?.tables.classes[rest.slice(1).join(':')] ?? [], kind: 'class' };
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
      ...(this.head instanceof SoftmaxRegression ? { head: this.head.toJSON() } : { learner: this.head.toJSON() }),
      ...(this.folder ? { variants: this.folder.toJSON() } : {}),
      ...(this.knowledgeUsed ? { knowledge: this.knowledgeUsed } : {}),
      ...(this.miner ? { miner: this.miner.toJSON() } : {}),
      ...(this.calibration ? { calibration: this.calibration } : {}),
      report: this.report as HeadTrainingReport,
      trainedOn: this.trainedOn,
    };
    return writeModelFile(dir, json);
  }

  /** `options.bytes`: the model file as read before (ReadModelOptions), instead of the folder's. */
  static async load(dir: string, options: ReadModelOptions = {}): Promise<IntentRecognizer> {
    const json = await readModelFile<IntentModelJson>(dir, 'IntentRecognizer', 1, options);
    const taxonomy = Taxonomy.fromJSON(json.taxonomy, `${dir} (taxonomy)`, 'intent');
    checkLabelOrder(dir, json.labels, taxonomy.labels);
    checkModelSettings(dir, json);
    const memo = cachedPatternMemo();
    const recognizer = fromModelFile(dir, () => new IntentRecognizer(
      taxonomy,
      parseDenoiseRules(json.rules, `${dir} (rules)`, { provenSafe: memo }),
      json.rules,
      parseCueLexicon(json.lexicon, `${dir} (lexicon)`),
      FeatureUnion.fromJSON(json.union),
      json.head ? SoftmaxRegression.fromJSON(json.head) : learnerFromJSON(json.learner as LearnerJson),
      json.temperature,
      json.denoise,
      json.threshold,
      json.report,
      json.trainedOn,
      json.variants ? new TextFolder(parseVariantTables(json.variants, `${dir} (variants)`)) : undefined,
      json.knowledge,
      json.miner ? CueMiner.fromJSON(json.miner) : undefined,
      json.calibration ? parseScoreCalibration(json.calibration, json.labels.length, `${dir} (calibration)`) : undefined,
    ));
    await memo.settled();
    return recognizer;
  }
}

/** The [W, b] parameters behind the evidence: the head's, or a stack's first linear member's. */
function linearWeights(head: SoftmaxRegression | Learner): Float32Array | undefined {
  const linear = (m: Learner): Float32Array | undefined => ('parameters' in m && typeof m.parameters === 'function' && m.constructor.name !== 'MlpClassifier' ? (m as SoftmaxRegression).parameters() : undefined);
  if (head instanceof StackingClassifier) {
    for (const m of head.parts.members) {
      const w = linear(m);
      if (w) return w;
    }
    return undefined;
  }
  return linear(head);
}

/** The `mined` view: mined-cue labels found in the user's turns and in the latest question. */
function addMinedTokens(doc: MultiViewDoc, miner: CueMiner): void {
  doc.mined = [...miner.tokens(String(doc.user ?? '')), ...miner.tokens(String(doc.last ?? '')).map((t) => `last:${t}`)];
}
