// Fills the feature cache for the dev scene images under an OCR configuration (OCR lines, layout
// vector and UI-structure cues; the embedding does not depend on the OCR and is left to the default run).
// Usage: nice -n 10 node --import tsx bench/research/scene-extract.ts '{"maxSide":1280}' [perLabel]
import { Progress } from '../../src/features/progress.js';
import { SceneImageFeaturizer } from '../../src/tasks/scene/image-features.js';
import type { OcrOptions } from '../../src/vision/ocr.js';
import { devSamples } from '../sections/common.js';
import { reservedHoldout } from '../../src/eval/holdout.js';

const ocr = JSON.parse(process.argv[2] ?? '{}') as Partial<OcrOptions>;
// The develop part only (the reserved holdout is not looked at), a stratified subset first: the first
// `perLabel` samples of each label (by id), then the rest.
const perLabel = Number(process.argv[3] ?? '1000');
const { develop } = reservedHoldout((await devSamples()).filter((s) => s.task === 'scene'));
const rank = new Map<string, number>();
const scene = develop.filter((s) => {
  const r = rank.get(s.label!) ?? 0;
  rank.set(s.label!, r + 1);
  return r < perLabel;
});
const featurizer = new SceneImageFeaturizer({ layout: true, embedding: false, ui: true, augmentCopies: 0, ocr });
const progress = new Progress({ total: scene.length, label: `scene features ${JSON.stringify(ocr)}` });
for (const s of scene) {
  await featurizer.features(s.images[0], { id: s.id, index: s.index });
  progress.tick();
}
progress.finish();
