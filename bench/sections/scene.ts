// Scene: k-fold CV of each feature set and each training strategy on the dev scene samples, from the
// feature cache (run `ecommir features extract --augment 2` on the dev file first, or let this fill it).
import { crossValidate } from '../../src/eval/cross-validate.js';
import { formatClassificationReport } from '../../src/eval/report-text.js';
import { Taxonomy } from '../../src/labels/taxonomy.js';
import { SceneImageFeaturizer } from '../../src/tasks/scene/image-features.js';
import { DEFAULT_SCENE_FUSION, featureOptionsFor, SceneRecognizer, type SceneFusionOptions, type SceneTrainingOptions } from '../../src/tasks/scene/recognizer.js';
import type { BenchContext } from '../run.js';
import { calibrationTable, cvTable, devSamples, f4, type CvRow } from './common.js';

export async function runSceneBench(ctx: BenchContext): Promise<string> {
  const scene = (await devSamples()).filter((s) => s.task === 'scene');
  const taxonomy = Taxonomy.default('scene');
  // One featurizer with every extractor on, so every configuration reads the same cache entries.
  const featurizer = new SceneImageFeaturizer({ layout: true, embedding: true, augmentCopies: 2 });
  const textViews = DEFAULT_SCENE_FUSION.views.filter((v) => v.name !== 'lexicon');
  const run = async (name: string, fusion: Partial<SceneFusionOptions>, options: SceneTrainingOptions = {}): Promise<CvRow> => {
    const started = performance.now();
    // Temperature scaling does not move the arg-max, so the grid skips it (calibration is measured below).
    const cv = await crossValidate(scene, (train, seed) => SceneRecognizer.fit(train, { calibrate: 'none', ...options, fusion: { ...DEFAULT_SCENE_FUSION, ...fusion }, featurizer, seed }), taxonomy, {
      k: ctx.folds,
      seeds: ctx.seeds,
    });
    ctx.log(`  ${name}: ${f4(cv.mean.weightedF1)}`);
    return { name, cv, seconds: (performance.now() - started) / 1000 };
  };

  const features: CvRow[] = [];
  features.push(await run('OCR text by region (all, title bar, bottom bar)', { views: textViews, layoutWeight: 0, embeddingWeight: 0 }));
  features.push(await run('OCR text + cue lexicon', { layoutWeight: 0, embeddingWeight: 0 }));
  features.push(await run('layout vector only', { views: [], embeddingWeight: 0, layoutWeight: 1 }));
  features.push(await run('MobileNetV2 embedding only', { views: [], layoutWeight: 0, embeddingWeight: 1 }));
  features.push(await run('all: text + lexicon + layout + embedding (shipped)', {}));

  const strategies: CvRow[] = [];
  strategies.push(await run('best single checkpoint', {}, { soup: 'single' }));
  strategies.push(await run('uniform soup', {}, { soup: 'uniform' }));
  strategies.push(features[features.length - 1]);
  strategies[2] = { ...strategies[2], name: 'greedy soup (shipped)' };
  strategies.push(await run('greedy soup + TrivialAugment (2 copies per image, embedding branch)', {}, { augmentCopies: 2 }));

  const best = [...features, ...strategies].reduce((a, b) => (b.cv.mean.weightedF1 > a.cv.mean.weightedF1 ? b : a));
  const calibrated = await crossValidate(scene, (train, seed) => SceneRecognizer.fit(train, { featurizer, seed, calibrate: 'crossval' }), taxonomy, { k: ctx.folds, seeds: [ctx.seeds[0]] });

  return [
    `${scene.length} dev scene samples (23 of the 25 labels occur), ${ctx.folds}-fold stratified CV, seeds ${ctx.seeds.join(', ')}; features fitted inside each fold.`,
    'Checkpoints of the soups: five softmax heads from one (zero) initialisation with different L2 / length / learning rate; the 9:1 split of',
    'each training fold picks them (Algorithm 1). The cue lexicon (`lexicons/scene.json`) was written after reading dev OCR text, so rows using',
    'it may be optimistic.',
    '',
    '### Feature sets (greedy soup)',
    '',
    cvTable(features),
    '',
    '### Training strategies (all features)',
    '',
    cvTable(strategies),
    '',
    `### Per-class report of the best configuration (${best.name}, seed ${ctx.seeds[0]}, out-of-fold)`,
    '',
    '```',
    formatClassificationReport(best.cv.first.report).trimEnd(),
    '```',
    '',
    '### Calibration (shipped configuration, temperature from inner folds, out-of-fold)',
    '',
    calibrationTable(calibrated.predictions, scene.map((s) => s.label!), taxonomy.labels),
  ].join('\n');
}
