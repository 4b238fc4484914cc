// Like bench/scene-probe.ts, but with `refit` on (the recogniser's default when training for real):
// the chosen checkpoint/soup is re-trained on the whole training fold, so the CV number measures the
// shipped path rather than a model that saw 90% of each fold.
// Usage: node --import tsx bench/research/scene-probe-refit.ts '<configs JSON>' [seeds]
import { loadSamples } from '../../src/data/load.js';
import { crossValidate } from '../../src/eval/cross-validate.js';
import { Taxonomy } from '../../src/labels/taxonomy.js';
import { SceneImageFeaturizer } from '../../src/tasks/scene/image-features.js';
import { DEFAULT_SCENE_FUSION, featureOptionsFor, SceneRecognizer, type SceneTrainingOptions } from '../../src/tasks/scene/recognizer.js';

const { samples } = await loadSamples('../shared/data/www2025-mir/train.json');
const scene = samples.filter((s) => s.task === 'scene');
const configs: (SceneTrainingOptions & { name: string })[] = JSON.parse(process.argv[2] ?? '[]');
const seeds = (process.argv[3] ?? '0,1,2').split(',').map(Number);
for (const cfg of configs) {
  const fusion = { ...DEFAULT_SCENE_FUSION, ...cfg.fusion };
  const featurizer = new SceneImageFeaturizer(featureOptionsFor(fusion, cfg.augmentCopies ?? 0));
  const t = performance.now();
  const cv = await crossValidate(scene, (train, seed) => SceneRecognizer.fit(train, { calibrate: 'none', refit: true, ...cfg, featurizer, seed }), Taxonomy.default('scene'), { seeds });
  console.log(`${cv.mean.weightedF1.toFixed(4)} macro ${cv.mean.macroF1.toFixed(4)} coarse ${cv.mean.coarseWeightedF1.toFixed(4)} [${cv.seedWeightedF1.map((s) => s.toFixed(3)).join(' ')}] ${((performance.now() - t) / 1000).toFixed(0)}s  ${cfg.name}`);
}
