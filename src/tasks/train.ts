// Training a recogniser end to end, as `ecommir train` runs it: optional k-fold cross-validation
// (the honest score), optional pseudo-labels from unlabelled data, the final fit on all labelled
// data, and the model folder with its model card.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crossValidate, type CrossValidationResult } from '../eval/cross-validate.js';
import { describeMerge, type FeedbackMergeReport } from '../feedback/merge.js';
import { Taxonomy } from '../labels/taxonomy.js';
import type { Sample, Task } from '../types.js';
import { IntentRecognizer, type IntentTrainingOptions } from './intent/recognizer.js';
import { MODEL_CARD_FILE } from './model-file.js';
import { pseudoLabel, type PseudoLabelReport } from './pseudo-labels.js';
import { SceneImageFeaturizer, type SceneFeatureOptions } from './scene/image-features.js';
import { DEFAULT_SCENE_FUSION, DEFAULT_SCENE_LEARNER, featureOptionsFor, SceneRecognizer, type SceneTrainingOptions } from './scene/recognizer.js';
import { DEFAULT_OCR_OPTIONS, type OcrOptions } from '../vision/ocr.js';
import type { HeadTrainingReport } from './train-head.js';

export interface TrainRunOptions {
  task: Task;
  scene?: SceneTrainingOptions;
  intent?: IntentTrainingOptions;
  /** Folds for cross-validation; 0 = none. */
  cv?: number;
  cvSeeds?: number[];
  unlabelled?: Sample[];
  pseudoThreshold?: number;
  out?: string;
  /** Data file names, for the model card. */
  dataFile?: string;
  /** What `--feedback` merged into the samples, for the model card. */
  feedback?: FeedbackMergeReport;
  /** The command line, for the model card. */
  command?: string;
  log?: (line: string) => void;
  /**
   * Scene: reads every image of the training data into the feature cache before training reads them
   * one by one (the CLI runs it on every core, runtime/feature-pass.ts). Gets the featurizer's options.
   */
  sceneFeaturePass?: (samples: readonly Sample[], features: SceneFeatureOptions) => Promise<void>;
}

export interface TrainRunResult {
  recognizer: SceneRecognizer | IntentRecognizer;
  /** The soup's validation report (absent for a model with another learner than the souped head). */
  report?: HeadTrainingReport;
  cv?: CrossValidationResult;
  pseudo?: PseudoLabelReport;
  seconds: number;
}

type AnyRecognizer = SceneRecognizer | IntentRecognizer;

export async function trainRecognizer(samples: readonly Sample[], options: TrainRunOptions): Promise<TrainRunResult> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const labelled = samples.filter((s) => s.task === options.task);
  const taxonomy = options.task === 'scene' ? (options.scene?.taxonomy ?? Taxonomy.default('scene')) : (options.intent?.taxonomy ?? Taxonomy.default('intent'));
  let fit: (train: readonly Sample[], seed: number) => Promise<AnyRecognizer>;
  let fitSecond: (train: readonly Sample[]) => Promise<AnyRecognizer>;
  if (options.task === 'scene') {
    const base = options.scene ?? {};
    const fusion = { ...DEFAULT_SCENE_FUSION, ...base.fusion };
    const featureOptions = featureOptionsFor(fusion, base.augmentCopies ?? 0);
    const featurizer = base.featurizer ?? new SceneImageFeaturizer(featureOptions);
    // The rendered knowledge screenshots are read by the OCR like the labelled ones: on every core too.
    if (options.sceneFeaturePass && !base.featurizer)
      await options.sceneFeaturePass([...labelled, ...(options.unlabelled ?? []), ...(base.knowledge?.images ?? [])], featureOptions);
    fit = (train, seed) => SceneRecognizer.fit(train, { ...base, taxonomy, featurizer, seed: base.seed ?? seed });
    // The second predictor for pseudo-label agreement sees the OCR text only.
    fitSecond = (train) => SceneRecognizer.fit(train, { ...base, taxonomy, fusion: { ...fusion, layoutWeight: 0, embeddingWeight: 0 }, augmentCopies: 0, seed: 1 });
  } else {
    const base = options.intent ?? {};
    fit = (train, seed) => IntentRecognizer.fit(train, { ...base, taxonomy, seed: base.seed ?? seed });
    // The second predictor reads jieba words instead of character n-grams.
    fitSecond = (train) =>
      IntentRecognizer.fit(train, {
        ...base,
        taxonomy,
        seed: 1,
        views: [
          { name: 'userWords', analyzer: { kind: 'word', min: 1, max: 2 }, tfidf: { sublinearTf: true } },
          { name: 'lexicon', analyzer: { kind: 'tokens' } },
        ],
      });
  }

  let cv: CrossValidationResult | undefined;
  if (options.cv && options.cv > 1) {
    log(`cross-validating: ${options.cv} folds × seeds ${(options.cvSeeds ?? [0]).join(',')} on ${labelled.length} ${options.task} samples`);
    cv = await crossValidate(labelled, fit, taxonomy, {
      k: options.cv,
      seeds: options.cvSeeds ?? [0],
      onFold: (f) => log(`  seed ${f.seed} fold ${f.fold + 1}/${f.k}: weighted F1 ${f.weightedF1.toFixed(4)}`),
    });
  }

  let training: Sample[] = [...labelled];
  let pseudo: PseudoLabelReport | undefined;
  const unlabelled = (options.unlabelled ?? []).filter((s) => s.task === options.task);
  if (unlabelled.length > 0) {
    log(`pseudo-labelling ${unlabelled.length} unlabelled ${options.task} samples (threshold ${options.pseudoThreshold ?? 0.99}, two predictors must agree)`);
    const [a, b] = [await fit(labelled, 0), await fitSecond(labelled)];
    const chosen = await pseudoLabel(unlabelled, a, b, options.pseudoThreshold ?? 0.99);
    pseudo = chosen.report;
    training = [...labelled, ...chosen.samples];
    log(`  taken ${pseudo.taken} of ${pseudo.unlabelled} (A confident ${pseudo.confidentA}, B confident ${pseudo.confidentB}, both agree ${pseudo.agree})`);
  }

  log(`training the final ${options.task} model on ${training.length} samples`);
  const recognizer = await fit(training, 0);
  const result: TrainRunResult = { recognizer, report: recognizer.report, cv, pseudo, seconds: (performance.now() - started) / 1000 };
  if (options.out) {
    await recognizer.save(options.out);
    await writeFile(join(options.out, MODEL_CARD_FILE), modelCard(options, result, training.length));
  }
  return result;
}

const f4 = (x: number): string => x.toFixed(4);

function ocrHow(o: OcrOptions): string {
  return `detection at ${o.maxSide} px${o.recWidthScale !== 1 ? `, line inputs at ${o.recWidthScale} of their width` : ''}`;
}

function sceneHow(o: SceneTrainingOptions | undefined, model: SceneRecognizer): string {
  const f = model.fusion;
  const views = f.views.map((v) => `${v.name}${v.weight !== undefined ? ` ×${v.weight}` : ''}`).join(', ');
  const dense = [f.layoutWeight > 0 ? `layout vector ×${f.layoutWeight}` : '', (f.uiWeight ?? 0) > 0 ? `pixel UI cues ×${f.uiWeight}` : '', f.embeddingWeight > 0 ? `MobileNetV2 embedding ×${f.embeddingWeight}` : ''].filter(Boolean).join(', ');
  const k = model.trainedOn.knowledge;
  const learner = o?.learner === null ? 'softmax regression with a coarse-group loss (checkpoints, soup, temperature: see below)' : `${(o?.learner ?? DEFAULT_SCENE_LEARNER).kind} ${JSON.stringify((o?.learner ?? DEFAULT_SCENE_LEARNER).options ?? {})}, balanced class weights`;
  return [
    `- OCR (PaddleOCR v4 ONNX, ${ocrHow({ ...DEFAULT_OCR_OPTIONS, ...f.ocr })}) → views: ${views} (character n-gram TF-IDF or token counts; \`mined\` = cues mined from the training set, cross-fitted for training rows; \`lexicon\` = lexicons/scene.json, written from the label definitions) + ${dense || 'no dense block'} → ${learner}.`,
    k ? `- Knowledge: ${k.images} synthetic screenshots rendered from knowledge/scene/ (written from the label definitions, never from dev data) and read by the same OCR${k.texts ? `, ${k.texts} page texts` : ''}; training rows only, loss weight ${k.weight}.` : '- No knowledge rows (`--no-knowledge`).',
  ].join('\n');
}

export function formatTrainingReport(r: HeadTrainingReport): string[] {
  return [
    `validation (${r.nValidation} held out of ${r.nTrain + r.nValidation}, 9:1 stratified) weighted F1:`,
    `  best single checkpoint  ${f4(r.bestSingle.weightedF1)}  (checkpoint ${r.bestSingle.index}; all: ${r.checkpointScores.map(f4).join(' ')})`,
    `  uniform soup            ${f4(r.uniformSoup.weightedF1)}`,
    `  greedy soup             ${f4(r.greedySoup.weightedF1)}  (members ${r.greedySoup.members.join(',')})`,
    `  used: ${r.chosen}; temperature ${r.temperature.toFixed(3)}`,
  ];
}

export function formatCrossValidation(cv: CrossValidationResult): string[] {
  return [
    `${cv.k}-fold cross-validation over seeds ${cv.seeds.join(',')}:`,
    `  weighted F1 ${f4(cv.mean.weightedF1)} ± ${f4(cv.std.weightedF1)} (per seed ${cv.seedWeightedF1.map(f4).join(' ')})`,
    `  macro F1 ${f4(cv.mean.macroF1)}, accuracy ${f4(cv.mean.accuracy)}; coarse weighted F1 ${f4(cv.mean.coarseWeightedF1)}, coarse macro F1 ${f4(cv.mean.coarseMacroF1)}`,
  ];
}

function modelCard(options: TrainRunOptions, result: TrainRunResult, trainingSize: number): string {
  const r = result.recognizer;
  const lines = [
    `# ecommir ${options.task} model`,
    '',
    `Written by \`ecommir train ${options.task}\` on ${new Date().toISOString()}; ${result.seconds.toFixed(1)} s on this machine.`,
    `Command: \`${options.command ?? `ecommir train ${options.task}`}\`.`,
    '',
    '## Trained on',
    `- ${trainingSize} ${options.task} samples${options.dataFile ? ` from \`${options.dataFile}\`` : ''}${result.pseudo ? ` (of which ${result.pseudo.taken} pseudo-labelled)` : ''}.`,
    ...(options.feedback ? [`- Human feedback: ${describeMerge(options.feedback, options.task)}.`] : []),
    `- Labels: ${r.labels.length} fine labels in ${r.taxonomy.coarseLabels.length} coarse groups (taxonomy embedded in model.json).`,
    '',
    '## How',
    options.task === 'scene'
      ? sceneHow(options.scene, result.recognizer as SceneRecognizer)
      : intentHow(options.intent),
    ...(result.report && options.task === 'scene' ? ['- Checkpoints from one (zero) initialisation with different L2 / epochs / learning rate, chosen on a seeded 9:1 stratified validation split; soup by Algorithm 1; re-fitted on all data with the chosen members; temperature from 5-fold out-of-fold logits.'] : []),
    '',
    ...(result.report ? ['## Validation split (10%, small: noisy)', ...formatTrainingReport(result.report).map((l) => `    ${l}`)] : []),
  ];
  if (result.cv) lines.push('', '## Cross-validated (the honest score)', ...formatCrossValidation(result.cv).map((l) => `    ${l}`));
  else lines.push('', '## Cross-validated scores', 'Not computed by this run (`--cv K` does); see BENCHMARKS.md for the shipped recipe’s k-fold scores.');
  if (result.pseudo) lines.push('', '## Pseudo-labels', '```json', JSON.stringify(result.pseudo, null, 2), '```');
  lines.push('');
  return lines.join('\n');
}

function intentHow(o: IntentTrainingOptions | undefined): string {
  const sets = [
    ...(o?.knowledge?.length ? [`${o.knowledge.length} synthetic dialogues generated from knowledge/intent at sample weight ${o.knowledgeWeight ?? 1}`] : []),
    ...(o?.knowledgeSets ?? []).map((k) => `${k.samples.length} ${k.name === 'handwritten' ? 'hand-written dialogues from knowledge/intent-dialogues' : `${k.name} dialogues`} at sample weight ${k.weight}`),
  ];
  const knowledge = sets.length ? `- Knowledge (written from the label definitions, never from dev dialogues; training rows only): ${sets.join('; ')}.` : '- No knowledge rows (`--no-knowledge`).';
  const calibration = o?.calibration ? ["- Confidences: softmax of the learner's scores (an SVM's margins, a stack's meta-learner logits) divided by a temperature fitted (minimum NLL) on 5-fold out-of-fold scores of the real training rows (knowledge rows in every training part)."] : [];
  const ngrams = [...new Set((o?.views ?? []).map((v) => ('min' in v.analyzer ? `${v.analyzer.kind === 'char' ? 'character' : v.analyzer.kind} ${v.analyzer.min}–${v.analyzer.max}-gram` : 'token')))].join(' / ');
  if (o?.learner) {
    return [
      `- Multi-level denoising → text folding (${o.folder ? 'knowledge/text/variants.json: traditional → simplified, width, emoji, English/pinyin words, typos' : 'off'}) → ${ngrams} TF-IDF views: ${(o.views ?? []).map((v) => `${v.name}${v.weight !== undefined ? ` ×${v.weight}` : ''}`).join(', ')} → ${o.learner.kind} ${JSON.stringify(o.learner.options ?? {})}, balanced class weights.`,
      knowledge,
      ...calibration,
      '- No part of the lexicon written while reading the dev dialogues is used.',
    ].join('\n');
  }
  return [
    '- Multi-level denoising → character n-gram TF-IDF of the user turns + cue-lexicon tokens (lexicons/intent.json) → softmax regression with a coarse-group loss.',
    knowledge,
    '- Checkpoints from one (zero) initialisation with different L2 / epochs / learning rate, chosen on a seeded 9:1 stratified validation split; soup by Algorithm 1; re-fitted on all data with the chosen members; temperature from 5-fold out-of-fold logits.',
  ].join('\n');
}
