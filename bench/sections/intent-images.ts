// Intent with the user's images: the image branch as the paper builds it (their OCR text and scene),
// with and without the e-commerce augmentation (one extra augmented copy per image in training).
import { crossValidate } from '../../src/eval/cross-validate.js';
import { Taxonomy } from '../../src/labels/taxonomy.js';
import { loadRecognizers } from '../../src/tasks/default-models.js';
import { DEFAULT_INTENT_VIEWS, IntentRecognizer, type IntentTrainingOptions } from '../../src/tasks/intent/recognizer.js';
import { SceneImageDescriber } from '../../src/tasks/intent/scene-image-describer.js';
import type { BenchContext } from '../run.js';
import { cvTable, devSamples, f4, type CvRow } from './common.js';

export async function runIntentImagesBench(ctx: BenchContext): Promise<string> {
  const intent = (await devSamples()).filter((s) => s.task === 'intent');
  const taxonomy = Taxonomy.default('intent');
  const { scene } = await loadRecognizers();
  if (!scene) throw new Error('the shipped scene model is missing');
  const images = new SceneImageDescriber(scene);
  const withImages: IntentTrainingOptions = {
    views: [...DEFAULT_INTENT_VIEWS, { name: 'ocr', analyzer: { kind: 'char', min: 1, max: 2 }, tfidf: { sublinearTf: true }, weight: 0.3 }, { name: 'scene', analyzer: { kind: 'tokens' }, weight: 0.3 }],
    images,
  };
  const rows: CvRow[] = [];
  for (const [name, options] of [
    ['text only (shipped)', {}],
    ['+ images (OCR text + predicted scene)', withImages],
    ['+ images, + one e-commerce-augmented copy per image in training', { ...withImages, imageAugmentCopies: 1 }],
  ] as [string, IntentTrainingOptions][]) {
    const started = performance.now();
    const cv = await crossValidate(intent, (train, seed) => IntentRecognizer.fit(train, { calibrate: 'none', ...options, seed }), taxonomy, { k: ctx.folds, seeds: ctx.seeds });
    rows.push({ name, cv, seconds: (performance.now() - started) / 1000 });
    ctx.log(`  ${name}: ${f4(cv.mean.weightedF1)}`);
  }
  return [
    `${intent.length} dev intent samples (${intent.filter((s) => s.images.length > 0).length} with images), ${ctx.folds}-fold CV, seeds ${ctx.seeds.join(', ')}, shipped views and recipe otherwise.`,
    'The images’ scenes come from the shipped scene model. Augmented copies (random horizontal flip, rotation, brightness and contrast,',
    'gaussian noise, random crop) are OCR’d and classified like uploads; a sample and its copy always fall on the same side of every split.',
    '',
    cvTable(rows),
  ].join('\n');
}
