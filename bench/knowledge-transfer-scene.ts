// Knowledge transfer for scenes: render synthetic screenshots from knowledge/scene/ (written from
// the label definitions, never from dev data), send them through the real OCR / layout / embedding
// feature cache, train the SceneRecognizer on them ONLY, and score weighted F1 on all dev scene
// samples. Nothing in the model was chosen by looking at the dev samples, so the score is an
// honest estimate of what the knowledge alone carries. Prints aggregate and per-class scores only.
//
//   nice -n 10 node --import tsx bench/knowledge-transfer-scene.ts --per-label 40 --seed 1
//   ... --eval synthetic      (pipeline check: score on a held-out synthetic seed, never on dev)
import { parseArgs } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSamples } from '../src/data/load.js';
import { classificationReport, f1Score } from '../src/eval/metrics.js';
import { Progress } from '../src/features/progress.js';
import { writeSyntheticScenes, SCENE_GENERATOR_VERSION } from '../src/knowledge/scene-dataset.js';
import { Taxonomy } from '../src/labels/taxonomy.js';
import { DEFAULT_SCENE_FUSION, featureOptionsFor, SceneRecognizer, type SceneFusionOptions } from '../src/tasks/scene/recognizer.js';
import { SceneImageFeaturizer } from '../src/tasks/scene/image-features.js';
import type { Sample } from '../src/types.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const DEV_JSON = path.join(root, '..', 'shared', 'data', 'www2025-mir', 'train.json');

const { values: args } = parseArgs({
  options: {
    'per-label': { type: 'string', default: '40' },
    seed: { type: 'string', default: '1' },
    dir: { type: 'string' },
    eval: { type: 'string', default: 'dev' },
    'eval-per-label': { type: 'string', default: '8' },
    configs: { type: 'string', default: 'default,no-lexicon,text,text-no-lexicon' },
    json: { type: 'boolean', default: false },
  },
});
const perLabel = Number(args['per-label']);
const seed = Number(args.seed);
const dir = args.dir ?? path.join(root, '.cache', 'knowledge-scenes', `v${SCENE_GENERATOR_VERSION}-seed${seed}`);

const CONFIGS: Record<string, SceneFusionOptions> = {
  default: DEFAULT_SCENE_FUSION,
  text: { ...DEFAULT_SCENE_FUSION, layoutWeight: 0, embeddingWeight: 0 },
  'no-lexicon': { ...DEFAULT_SCENE_FUSION, views: DEFAULT_SCENE_FUSION.views.filter((v) => v.name !== 'lexicon') },
  'text-no-lexicon': { ...DEFAULT_SCENE_FUSION, layoutWeight: 0, embeddingWeight: 0, views: DEFAULT_SCENE_FUSION.views.filter((v) => v.name !== 'lexicon') },
};
const configs = args.configs.split(',').map((c) => c.trim());
for (const c of configs) if (!CONFIGS[c]) throw new Error(`unknown config ${c}; known: ${Object.keys(CONFIGS).join(', ')}`);

async function features(samples: readonly Sample[], featurizer: SceneImageFeaturizer, label: string): Promise<number> {
  const progress = new Progress({ total: samples.length, label });
  const t = performance.now();
  for (const s of samples) {
    await featurizer.features(s.images[0], { id: s.id, index: s.index });
    progress.tick();
  }
  progress.finish();
  return (performance.now() - t) / Math.max(1, samples.length);
}

const taxonomy = Taxonomy.default('scene');
process.stderr.write(`knowledge transfer (scene): ${perLabel} synthetic pages per label, seed ${seed}, folder ${dir}\n`);
const written = await writeSyntheticScenes({ outDir: dir, perLabel, seed });
const train = (await loadSamples(written.dataFile)).samples;

let evalSamples: Sample[];
let evalName: string;
if (args.eval === 'synthetic') {
  const evalDir = path.join(root, '.cache', 'knowledge-scenes', `v${SCENE_GENERATOR_VERSION}-seed${seed + 1000}`);
  const w = await writeSyntheticScenes({ outDir: evalDir, perLabel: Number(args['eval-per-label']), seed: seed + 1000 });
  evalSamples = (await loadSamples(w.dataFile)).samples;
  evalName = `held-out synthetic pages (seed ${seed + 1000})`;
} else if (args.eval === 'dev') {
  evalSamples = (await loadSamples(DEV_JSON)).samples.filter((s) => s.task === 'scene');
  evalName = 'all dev scene samples (../shared/data/www2025-mir)';
} else throw new Error(`--eval must be dev or synthetic, got ${args.eval}`);

// One featurizer with every extractor, shared by all configurations (features are cached on disk).
const featurizer = new SceneImageFeaturizer(featureOptionsFor(DEFAULT_SCENE_FUSION));
const msTrainFeatures = await features(train, featurizer, 'synthetic features');
const msEvalFeatures = await features(evalSamples, featurizer, 'eval features');

const rows: { config: string; weightedF1: number; macroF1: number; coarseWeightedF1: number; perClass: Record<string, { f1: number; recall: number; precision: number; support: number }>; fitSeconds: number }[] = [];
for (const name of configs) {
  const t = performance.now();
  const model = await SceneRecognizer.fit(train, { fusion: CONFIGS[name], featurizer, seed: 0 });
  const fitSeconds = (performance.now() - t) / 1000;
  const predictions = await model.predictMany(evalSamples);
  const yTrue = evalSamples.map((s) => s.label!);
  const yPred = predictions.map((p) => p.label);
  const report = classificationReport(yTrue, yPred, { labels: taxonomy.labels, zeroDivision: 0 });
  const coarse = (ys: string[]) => ys.map((y) => taxonomy.coarseOf(y));
  rows.push({
    config: name,
    weightedF1: f1Score(yTrue, yPred, { average: 'weighted', zeroDivision: 0 }),
    macroF1: f1Score(yTrue, yPred, { average: 'macro', zeroDivision: 0 }),
    coarseWeightedF1: f1Score(coarse(yTrue), coarse(yPred), { average: 'weighted', zeroDivision: 0 }),
    perClass: report.perClass,
    fitSeconds,
  });
}

const summary = {
  protocol: `knowledge transfer: SceneRecognizer trained only on ${train.length} synthetic screenshots rendered from knowledge/scene (generator v${SCENE_GENERATOR_VERSION}, seed ${seed}, ${perLabel} per label), features from the real OCR/layout/embedding cache; scored on ${evalSamples.length} ${evalName}`,
  train: train.length,
  eval: evalSamples.length,
  msRenderPerImage: Math.round(written.msPerRendered),
  renderedThisRun: written.rendered,
  msFeaturesPerSyntheticImage: Math.round(msTrainFeatures),
  msFeaturesPerEvalImage: Math.round(msEvalFeatures),
  results: rows,
};
if (args.json) {
  process.stdout.write(`${JSON.stringify(summary)}\n`);
} else {
  const f = (x: number) => x.toFixed(4);
  process.stdout.write(`${summary.protocol}\n`);
  process.stdout.write(`render ${summary.msRenderPerImage} ms/image (${summary.renderedThisRun} rendered this run); features ${summary.msFeaturesPerSyntheticImage} ms/synthetic image, ${summary.msFeaturesPerEvalImage} ms/eval image (0 when cached)\n\n`);
  process.stdout.write('| configuration | weighted F1 | macro F1 | coarse weighted F1 | fit time |\n|---|---|---|---|---:|\n');
  for (const r of rows) process.stdout.write(`| ${r.config} | **${f(r.weightedF1)}** | ${f(r.macroF1)} | ${f(r.coarseWeightedF1)} | ${r.fitSeconds.toFixed(0)} s |\n`);
  process.stdout.write(`\nper class (F1 / recall / support), configurations: ${rows.map((r) => r.config).join(', ')}\n\n| label | ${rows.map((r) => r.config).join(' | ')} | support |\n|---|${rows.map(() => '---').join('|')}|---:|\n`);
  for (const label of taxonomy.labels) {
    const cells = rows.map((r) => `${f(r.perClass[label]?.f1 ?? 0)} / ${f(r.perClass[label]?.recall ?? 0)}`);
    process.stdout.write(`| ${label} | ${cells.join(' | ')} | ${rows[0]?.perClass[label]?.support ?? 0} |\n`);
  }
}
