// Screening harness for intent recipes: stratified k-fold CV over the 80% development part of the dev
// intent dialogues ONLY (the seed-2025 holdout of bench/sections/intent-recipes.ts is never read here),
// repeated over seeds. A recipe is a small JSON spec (views, knowledge, augmentation, learner,
// calibration) so every screened row can be re-run from its log line. Out-of-fold probabilities go to
// bench/results/oof/<name>.json (git-ignored) for ensemble and calibration analysis; one JSON line per
// recipe is appended to bench/results/oof/screen-log.jsonl.
//
//   node --import tsx bench/research/intent-screen.ts --seeds 0,1,2 --folds 5 \
//     --spec '{"name":"shipped","base":"shipped"}' --spec '{"name":"words","base":"shipped","views":["user","last@0.5","agent@0.5","userWords:word1-1@0.5"]}'
import { mkdir, appendFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { crossValidate } from '../../src/eval/cross-validate.js';
import { Taxonomy } from '../../src/labels/taxonomy.js';
import { IntentRecognizer, type IntentTrainingOptions } from '../../src/tasks/intent/recognizer.js';
import { SceneImageDescriber } from '../../src/tasks/intent/scene-image-describer.js';
import type { Prediction, Sample } from '../../src/types.js';
import type { MultiViewDoc } from '../../src/features/text/feature-union.js';
import { devSamples, outOfFoldEce, shippedSceneModel } from '../sections/common.js';
import { EMPTY_LEXICON, intentHoldout } from '../sections/intent-recipes.js';
import { recipeFromSpec, type RecipeSpec } from './intent-recipe-spec.js';

const OOF_DIR = fileURLToPath(new URL('../results/oof/', import.meta.url));

function args(name: string): string[] {
  const out: string[] = [];
  process.argv.forEach((a, i) => a === name && out.push(process.argv[i + 1]));
  return out;
}

const seeds = (args('--seeds')[0] ?? '0,1,2').split(',').map(Number);
const k = Number(args('--folds')[0] ?? 5);
const specs: RecipeSpec[] = args('--spec').map((s) => JSON.parse(s));
if (specs.length === 0) throw new Error('give at least one --spec');

const all = (await devSamples()).filter((s) => s.task === 'intent');
const { develop } = intentHoldout(all);
const taxonomy = Taxonomy.default('intent');
await mkdir(OOF_DIR, { recursive: true });
const caches = new Map<string, WeakMap<Sample, MultiViewDoc>>();
let describer: SceneImageDescriber | undefined;

for (const spec of specs) {
  const started = performance.now();
  if (spec.images && !describer) {
    describer = new SceneImageDescriber(await shippedSceneModel());
  }
  const recipe = recipeFromSpec(spec);
  const cacheKey = JSON.stringify({ fold: spec.fold ?? true, images: !!spec.images, lexicon: !!spec.lexicon });
  if (!caches.has(cacheKey)) caches.set(cacheKey, new WeakMap());
  const options: IntentTrainingOptions = { lexicon: EMPTY_LEXICON, ...recipe, ...(spec.images ? { images: describer } : {}), documentCache: caches.get(cacheKey) };
  const cv = await crossValidate(develop, (train, seed) => IntentRecognizer.fit(train, { ...options, seed }), taxonomy, { k, seeds });
  const seconds = (performance.now() - started) / 1000;
  const gold = develop.map((s) => s.label!);
  const ece = outOfFoldEce(cv.predictions, gold, taxonomy.labels);
  const line = {
    name: spec.name,
    weightedF1: round(cv.mean.weightedF1),
    perSeed: cv.seedWeightedF1.map(round),
    macroF1: round(cv.mean.macroF1),
    accuracy: round(cv.mean.accuracy),
    ece: round(ece),
    seconds: Math.round(seconds),
    folds: k,
    seeds,
    n: develop.length,
    spec,
  };
  console.log(JSON.stringify(line));
  await appendFile(`${OOF_DIR}screen-log.jsonl`, `${JSON.stringify({ at: new Date().toISOString(), ...line })}\n`);
  await writeFile(`${OOF_DIR}${spec.name}.json`, JSON.stringify({ spec, seeds, k, ids: develop.map((s) => s.id), gold, labels: taxonomy.labels, proba: cv.predictions.map((p) => probaRow(p, taxonomy.labels)) }));
}

function round(x: number): number {
  return Number(x.toFixed(4));
}

function probaRow(p: Prediction, labels: readonly string[]): number[] {
  const row = new Array<number>(labels.length).fill(0);
  for (const r of p.ranked) row[labels.indexOf(r.label)] = Number(r.confidence.toFixed(5));
  return row;
}
