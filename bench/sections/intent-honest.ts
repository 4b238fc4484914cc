// Intent, honest protocols only (issue 10): knowledge transfer of each knowledge source (fit on knowledge
// alone, score every dev dialogue), nested CV of the shipped recipe (the hand-written dialogues' weight
// chosen inside each outer training fold), the reserved 20% holdout scored once, and ablation rows. The
// views, folding, learner, calibration and the template knowledge's weight were screened by CV on the
// 80% development part (seed-2025 split; bench/research/intent-screen.ts), so CV rows over all dev are
// mildly optimistic; the holdout row is the one untouched by any choice.
// Every row is cached (common.ts cachedCv) under a hash of the data, knowledge, code, libraries and its
// configuration, so a rerun of an unchanged tree reads it instead of measuring for an hour.
//   npm run bench -- --sections intent-honest --seeds 0,1,2 --folds 5
import { fileURLToPath } from 'node:url';
import { crossValidate } from '../../src/eval/cross-validate.js';
import { nestedCrossValidate, selectConfiguration, summarizeChoices, type Candidate } from '../../src/eval/nested-cv.js';
import { recordTaskResult } from '../../src/eval/results-file.js';
import { knowledgeTransfer } from '../../src/eval/transfer.js';
import { evaluateLabels } from '../../src/eval/evaluate.js';
import { Taxonomy } from '../../src/labels/taxonomy.js';
import {
  defaultIntentOptions,
  HANDWRITTEN_WEIGHTS,
  INTENT_SVM,
  HONEST_INTENT_VIEWS,
  intentHandwrittenSamples,
  intentKnowledgeSamples,
  KNOWLEDGE_WEIGHT,
  type DefaultIntentRecipeOptions,
} from '../../src/tasks/intent/default-recipe.js';
import { IntentRecognizer, type IntentTrainingOptions } from '../../src/tasks/intent/recognizer.js';
import { SceneImageDescriber } from '../../src/tasks/intent/scene-image-describer.js';
import { loadCueLexicon, defaultLexiconPath } from '../../src/features/text/cue-lexicon.js';
import type { MultiViewDoc } from '../../src/features/text/feature-union.js';
import type { Sample } from '../../src/types.js';
import type { BenchContext } from '../run.js';
import { benchDependencies, cachedCv, devSamples, f4, headlineRecordOptions, outOfFoldEce, protocolHeader, shippedSceneModel, timeCell, type CacheInfo } from './common.js';
import { char12, EMPTY_LEXICON, intentHoldout } from './intent-recipes.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** "a–b": the fewest and most samples any one label has. */
function perLabelRange(samples: readonly Sample[]): string {
  const counts = new Map<string, number>();
  for (const s of samples) counts.set(s.label!, (counts.get(s.label!) ?? 0) + 1);
  return `${Math.min(...counts.values())}–${Math.max(...counts.values())}`;
}
type Row = { name: string; protocol: string; weightedF1: number; perSeed: number[]; seconds: number; cached?: CacheInfo; note?: string };

/**
 * A row's training options as cache-key data. Sample lists become their size (their content is in the
 * dependency hash: knowledge folders, data), the text folder its tables (its toJSON), and the per-run
 * document cache is left out (it changes speed, not results).
 */
export function describeIntentOptions(options: IntentTrainingOptions): unknown {
  const isSample = (v: unknown): boolean => typeof v === 'object' && v !== null && 'task' in v && 'id' in v;
  return JSON.parse(
    JSON.stringify(options, (_key, value: unknown) => {
      if (value instanceof WeakMap) return undefined;
      // The scene model it reads is a dependency of the row (models/), so its name is enough here.
      if (value instanceof SceneImageDescriber) return 'SceneImageDescriber(shipped scene model)';
      if (Array.isArray(value) && value.length > 0 && isSample(value[0])) return `${value.length} samples`;
      return value;
    }),
  );
}

export async function runIntentHonestBench(ctx: BenchContext): Promise<string> {
  const all = (await devSamples()).filter((s) => s.task === 'intent');
  const taxonomy = Taxonomy.default('intent');
  const { develop, holdout } = intentHoldout(all);
  const template = intentKnowledgeSamples();
  const hand = intentHandwrittenSamples();
  const rows: Row[] = [];
  const seeds = ctx.seeds;
  const k = ctx.folds;
  // Documents are built once per sample object for every fit with the default folding and no lexicon.
  const documentCache = new WeakMap<Sample, MultiViewDoc>();
  // The temperature only rescales the learner's scores: the predicted labels are those of the uncalibrated
  // model, so rows that score labels alone skip its 5 extra fits (calibrate: false); the shipped
  // model, the outer folds of the nested CV and the holdout fit it.
  const recipe = (o: DefaultIntentRecipeOptions = {}): IntentTrainingOptions => ({ ...defaultIntentOptions({ calibrate: false, ...o }), lexicon: EMPTY_LEXICON, documentCache });
  const fitWith = (extra: IntentTrainingOptions) => (train: readonly Sample[], seed: number) => IntentRecognizer.fit(train, { lexicon: EMPTY_LEXICON, ...extra, seed });
  // Each row's cache key: its name, the protocol's folds and seeds, and what it trains with.
  const cachedRow = <R>(row: string, config: unknown, compute: () => Promise<R>, paths?: string[]) =>
    cachedCv<R>({ task: 'intent', config: { section: 'intent-honest', row, k, seeds, config }, ...(paths ? { paths } : {}) }, compute);
  const cvRow = async (name: string, options: IntentTrainingOptions, note?: string, paths?: string[]) => {
    const { cv, cached, seconds } = await cachedRow(name, describeIntentOptions(options), () => crossValidate(all, fitWith(options), taxonomy, { k, seeds }), paths);
    rows.push({ name, protocol: `${k}-fold CV, all ${all.length} dev`, weightedF1: cv.mean.weightedF1, perSeed: cv.seedWeightedF1, seconds, cached, note });
    ctx.log(`  ${name}: ${f4(cv.mean.weightedF1)}${cached ? ' (cached)' : ''}`);
  };

  // (a) knowledge transfer: the shipped views, folding and learner fitted on knowledge alone. "Both" keeps
  // the shipped ratio of row weights (template 0.1 : hand-written 0.5 = 0.2 : 1).
  const transferRow = async (name: string, rowsOf: Sample[], extra?: { samples: Sample[]; weight: number }) => {
    const options: IntentTrainingOptions = { ...recipe({ knowledge: false }), ...(extra ? { knowledgeSets: [{ name: 'template', ...extra }] } : {}) };
    const { cv: r, cached, seconds } = await cachedRow(`transfer ${name}`, { options: describeIntentOptions(options), rows: rowsOf.length }, () =>
      knowledgeTransfer(rowsOf, all, (train, seed) => IntentRecognizer.fit(train, { ...options, seed }), taxonomy, { seeds: [0] }),
    );
    const n = rowsOf.length + (extra?.samples.length ?? 0);
    rows.push({ name: `knowledge transfer: ${name}`, protocol: `fit on ${n} knowledge dialogues, score all ${all.length} dev`, weightedF1: r.mean.weightedF1, perSeed: r.seedWeightedF1, seconds, cached });
    ctx.log(`  transfer ${name}: ${f4(r.mean.weightedF1)}${cached ? ' (cached)' : ''}`);
    return r.mean.weightedF1;
  };
  const transferTemplate = await transferRow('template-generated only (knowledge/intent)', template);
  const transferHand = await transferRow('hand-written only (knowledge/intent-dialogues)', hand);
  const transferBoth = await transferRow(`both, shipped weight ratio (template ×${KNOWLEDGE_WEIGHT / HANDWRITTEN_WEIGHTS[0]})`, hand, { samples: template, weight: KNOWLEDGE_WEIGHT / HANDWRITTEN_WEIGHTS[0] });

  // (b) nested CV of the shipped recipe: the hand-written weight is chosen by inner 3-fold CV (labels
  // only, uncalibrated) in each outer training fold; the outer fit is the shipped recipe, calibrated.
  const candidates: Candidate<number>[] = HANDWRITTEN_WEIGHTS.map((w) => ({ name: `hand-written weight ${w}`, config: w }));
  const { cv: nested, cached: nestedCached, seconds: nSeconds } = await cachedRow('nested', { candidates: HANDWRITTEN_WEIGHTS, options: describeIntentOptions(recipe({ calibrate: true })), inner: 3 }, () =>
    nestedCrossValidate(all, (train, w: number, seed) => IntentRecognizer.fit(train, { ...recipe({ handwrittenWeight: w, calibrate: true }), seed }), taxonomy, {
      k,
      seeds,
      choose: async (train, { seed, fold }) =>
        (await selectConfiguration(train, (t, w: number, s) => IntentRecognizer.fit(t, { ...recipe({ handwrittenWeight: w }), seed: s }), candidates, { inner: { folds: 3 }, seed: seed * 1000 + fold + 1 })).chosen,
    }),
  );
  const nestedEce = outOfFoldEce(nested.predictions, all.map((s) => s.label!), taxonomy.labels);
  const maxConfidence = Math.max(...nested.predictions.map((p) => p.confidence));
  rows.push({
    name: '**shipped recipe** (dev + both knowledge sources, calibrated stack of SVM + complement NB; hand-written weight chosen inside each outer fold)',
    protocol: `nested CV: outer ${k}-fold × inner 3-fold, all ${all.length} dev`,
    weightedF1: nested.mean.weightedF1,
    perSeed: nested.seedWeightedF1,
    seconds: nSeconds,
    cached: nestedCached,
    note: `chosen: ${summarizeChoices(nested.choices)}; seed ${seeds[0]} out-of-fold ECE ${f4(nestedEce)}, max confidence ${maxConfidence.toFixed(3)}`,
  });
  ctx.log(`  nested: ${f4(nested.mean.weightedF1)} (${nested.seedWeightedF1.map(f4).join(' ')}), ECE ${f4(nestedEce)}`);

  // (c) the reserved holdout, scored once: the shipped recipe trained on the 80% + knowledge.
  const { cv: holdoutRun, cached: hCached, seconds: hSeconds } = await cachedRow('holdout', { options: describeIntentOptions(recipe({ calibrate: true })), seed: 0 }, async () => {
    const model = await IntentRecognizer.fit(develop, { ...recipe({ calibrate: true }), seed: 0 });
    const predicted = await model.predictMany(holdout);
    return { weightedF1: evaluateLabels(holdout.map((s) => s.label!), predicted.map((p) => p.label)).weightedF1 };
  });
  const hold = holdoutRun.weightedF1;
  rows.push({ name: 'shipped recipe, reserved holdout (trained on the 80% + knowledge)', protocol: `seed-2025 stratified 20% of dev (${holdout.length}), scored once`, weightedF1: hold, perSeed: [hold], seconds: hSeconds, cached: hCached });
  ctx.log(`  holdout: ${f4(hold)}`);

  // results.json first, so the headline lands even if the ablations are cut short.
  await recordTaskResult(
    fileURLToPath(new URL('../results.json', import.meta.url)),
    {
      task: 'intent',
      recipe: 'shipped',
      protocol: `nested CV (outer ${k}-fold, inner 3-fold choosing the hand-written dialogues' weight among ${HANDWRITTEN_WEIGHTS.join(', ')}) over all ${all.length} dev intent dialogues; knowledge (template-generated ×${KNOWLEDGE_WEIGHT}, hand-written, both written from the label definitions) in training folds only; no dev-read lexicon; views, learner, calibration and the template weight screened on the 80% develop part (mildly optimistic), the 20% holdout scored ${f4(hold)}`,
      estimate: nested,
      samples: all,
      folds: k,
      holdout: { weightedF1: hold, n: holdout.length },
      details: {
        knowledgeTransferWeightedF1: transferBoth,
        knowledgeTransfer: { template: transferTemplate, handwritten: transferHand, both: transferBoth },
        outOfFoldEce: nestedEce,
        choices: nested.choices,
      },
      dependencies: { paths: benchDependencies('intent'), extra: JSON.stringify({ k, seeds, candidates: HANDWRITTEN_WEIGHTS }) },
    },
    headlineRecordOptions(root, nestedCached),
  );

  // Ablations (plain CV over all dev; recipe parts screened on the 80% part → mildly optimistic).
  const shipped = recipe();
  await cvRow('dev only (no knowledge), shipped views and learner', recipe({ knowledge: false }));
  await cvRow(`dev + template-generated knowledge only (×${KNOWLEDGE_WEIGHT})`, recipe({ handwrittenWeight: 0 }));
  await cvRow(`dev + hand-written knowledge only (×${HANDWRITTEN_WEIGHTS[0]})`, recipe({ knowledgeWeight: 0 }));
  await cvRow(`dev + both (template ×${KNOWLEDGE_WEIGHT}, hand-written ×${HANDWRITTEN_WEIGHTS[0]}) = shipped`, shipped);
  await cvRow('− agent replies view', { ...shipped, views: HONEST_INTENT_VIEWS.filter((v) => v.name !== 'agent') });
  await cvRow('− latest-question view', { ...shipped, views: HONEST_INTENT_VIEWS.filter((v) => v.name !== 'last') });
  await cvRow('− text folding (variants, OpenCC, emoji)', { ...shipped, folder: undefined, documentCache: undefined });
  await cvRow('+ pinyin view (0.3)', { ...shipped, documentCache: undefined, views: [...HONEST_INTENT_VIEWS, { name: 'userPinyin', analyzer: { kind: 'pinyin', min: 1, max: 2 }, tfidf: { sublinearTf: true }, weight: 0.3 }] });
  await cvRow('+ cues mined inside the fold (0.5)', { ...shipped, mineCues: {}, views: [...HONEST_INTENT_VIEWS, { name: 'mined', analyzer: { kind: 'tokens' }, weight: 0.5 }] });
  await cvRow('+ clean-room lexicon view', { ...shipped, documentCache: undefined, lexicon: loadCueLexicon(defaultLexiconPath('intent')), views: [...HONEST_INTENT_VIEWS, { name: 'lexicon', analyzer: { kind: 'tokens' } }] });
  // The paper's image branch: what the user's images say (their OCR text) and which page they show (the shipped
  // scene model's label). The scene model was trained on the dev scene samples, not on these dialogues' images.
  const scene = await shippedSceneModel();
  const withImages: IntentTrainingOptions = {
    ...shipped,
    documentCache: undefined,
    images: new SceneImageDescriber(scene),
    views: [...HONEST_INTENT_VIEWS, char12('ocr', 0.3), { name: 'scene', analyzer: { kind: 'tokens' }, weight: 0.3 }],
  };
  const note = `${all.filter((s) => s.images.length > 0).length} of the ${all.length} have images; view weights from the older recipe's CV`;
  await cvRow('+ the user’s images (OCR text ×0.3, predicted scene ×0.3)', withImages, note, benchDependencies('intent', { images: true, models: true }));
  const svm = INTENT_SVM;
  const mnb = { kind: 'NaiveBayes', options: { variant: 'multinomial', alpha: 0.1 } };
  const knn = { kind: 'CosineKnn', options: { k: 10, smoothing: 0.5 } };
  for (const [name, learner] of [
    ['learner: the linear SVM alone (C 2; the recipe before the stack)', svm],
    // Settings re-chosen on the develop 80% (rule J in docs/decision-rules.md): the loss scaled by sample weights,
    // so knowledge rows of weight 0.1–0.5 are not drowned by the L2 penalty (the old row underfit: 0.3891).
    ['learner: softmax regression (L2 1e-4, loss scaled by sample weights)', { kind: 'SoftmaxRegression', options: { l2: 1e-4, epochs: 300, lr: 0.05, lossScale: 'weights' } }],
    ['learner: multinomial naive Bayes', mnb],
    ['learner: cosine kNN (k 10)', knn],
    ['learner: stacking (SVM, multinomial NB, kNN → softmax meta)', { kind: 'StackingClassifier', options: { members: [svm, mnb, knn], metaInput: 'logProba' } }],
    ['learner: greedy ensemble selection (same members)', { kind: 'SelectedEnsemble', options: { members: [svm, mnb, knn] } }],
    ['learner: log-linear pool (same members, weights by out-of-fold NLL)', { kind: 'LogLinearPool', options: { members: [svm, mnb, knn] } }],
  ] as const) {
    await cvRow(name, { ...shipped, learner: learner as never });
  }

  const header = protocolHeader({
    protocol: `knowledge transfer (fit on knowledge alone, score all ${all.length} dev intent dialogues), nested CV of the shipped recipe over all ${all.length}, the reserved 20% holdout (${holdout.length}) scored once, and plain-CV ablations over all ${all.length}`,
    folds: k,
    seeds,
    defaultSeeds: [0, 1, 2],
    defaultFolds: 5,
    chosenOnScored: [
      'views (user ×1, latest question ×0.5, agent replies ×0.5, character 1–2-grams, minDf 2), text folding, the learner (a stack of the linear SVM, C 2, and complement naive Bayes under a softmax meta-learner), the out-of-fold temperature and the template knowledge weight 0.1: screened by 5-fold CV × 3 seeds on the 80% development part (191 of the 239 dialogues), so every CV row over all 239 (nested included) is mildly optimistic; the holdout row is not',
      'no lexicon written while reading the dev dialogues; the knowledge files were written from the label definitions',
    ],
    defaults: `the hand-written weight is chosen by inner 3-fold CV inside each outer training fold (nested CV); everything else by the screening on the 80% part. The shipped model uses hand-written weight ${HANDWRITTEN_WEIGHTS[0]} (the screening choice).`,
  });
  const lines = [
    header,
    '',
    `Knowledge: ${template.length} template-generated dialogues (knowledge/intent, generator seed 1, weight ${KNOWLEDGE_WEIGHT}) and ${hand.length} hand-written dialogues`,
    `(knowledge/intent-dialogues, ${perLabelRange(hand)} per label), all written from the label definitions, never from dev text; training folds only.`,
    'Rows that score labels alone skip the temperature fit: it rescales the margins and leaves the predicted label unchanged.',
    '',
    '| configuration | protocol | weighted F1 | per seed | time | note |',
    '|---|---|---|---|---:|---|',
    ...rows.map((r) => `| ${r.name} | ${r.protocol} | **${f4(r.weightedF1)}** | ${r.perSeed.map((x) => x.toFixed(3)).join(' ')} | ${timeCell(r.seconds, r.cached)} | ${r.note ?? ''} |`),
    '',
    'Honest rows: knowledge transfer, nested CV, holdout. The plain-CV ablation rows compare parts of a recipe whose parts were screened on 80% of the same dialogues: read them as differences, not as estimates.',
  ];
  return lines.join('\n');
}
