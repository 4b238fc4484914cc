// Which tasks' answers follow the scene model as well as their own: an intent model that describes the
// user's images with it. The service versions such a task by both files (src/runtime/swap.ts), so the
// fact has to come out of the worker processes that load the models. So does whether a model reads the
// pixels at all, which decides the lane of a dialogue with images (src/runtime/lanes.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnsembleRecognizer } from '../../src/backends/ensemble.js';
import { loadSamples } from '../../src/data/load.js';
import { TEXT_LANE_IMAGE_LOAD, WorkerLanes, laneOf } from '../../src/runtime/lanes.js';
import { backendSource } from '../../src/runtime/source.js';
import { loadRecognizers } from '../../src/tasks/default-models.js';
import { IntentRecognizer } from '../../src/tasks/intent/recognizer.js';
import { tasksReadingImages, type Recognizer } from '../../src/tasks/recognizer.js';
import type { Sample } from '../../src/types.js';
import { DEV_JSON } from '../data/helpers.js';
import { FakeIntentRecognizer } from '../server/fakes.js';

const { samples } = await loadSamples(DEV_JSON);
const train = samples.filter((s) => s.task === 'intent').slice(0, 60);

/** An intent model with an `ocr` view (it reads the user's images' text), saved to a folder. */
async function imageReadingIntentModel(): Promise<string> {
  const images = { describe: async (s: Sample) => (s.images.length ? { ocrText: '商品', scenes: ['商品头图'] } : undefined) };
  const views = [
    { name: 'user', analyzer: { kind: 'char' as const, min: 1, max: 2 }, tfidf: { sublinearTf: true } },
    { name: 'ocr', analyzer: { kind: 'char' as const, min: 1, max: 2 }, weight: 0.3 },
  ];
  const model = await IntentRecognizer.fit(train, { checkpoints: [{}], calibrate: 'validation', views, images });
  const dir = await mkdtemp(join(tmpdir(), 'ecommir-ocr-intent-'));
  await model.save(dir);
  return dir;
}

const reader = await imageReadingIntentModel();

test('an intent model with an image view reads the scene model once the scene model is loaded beside it; the shipped one reads none', async () => {
  const both = await loadRecognizers({ intent: reader });
  assert.equal(both.intent?.usesImages, true);
  assert.equal(both.intent?.readsSceneModel, true);
  assert.equal((both.scene as Recognizer | undefined)?.readsSceneModel, undefined, 'the scene model is its own file');
  const shipped = await loadRecognizers();
  assert.equal(shipped.intent?.readsSceneModel, false);
  // An ensemble's answers follow either side's.
  const fake = new FakeIntentRecognizer();
  assert.equal(new EnsembleRecognizer(fake, both.intent!).readsSceneModel, true);
  assert.equal(new EnsembleRecognizer(both.intent!, fake).readsSceneModel, true);
  assert.equal(new EnsembleRecognizer(fake, shipped.intent!).readsSceneModel, false);
});

test('whether a model reads pixels (readsImages), which routes its dialogues with images: the shipped intent model reads none', async () => {
  const both = await loadRecognizers({ intent: reader });
  const shipped = await loadRecognizers();
  assert.equal(shipped.intent?.readsImages, false);
  assert.equal(both.intent?.readsImages, true);
  // Trained with a describer but no image view, it still describes every dialogue's images.
  const describing = await IntentRecognizer.fit(train, { checkpoints: [{}], calibrate: 'validation', images: { describe: async () => undefined } });
  assert.equal(describing.usesImages, false);
  assert.equal(describing.readsImages, true);
  // A recogniser that says nothing may read them; in an ensemble, either side's reading counts.
  const silent = new FakeIntentRecognizer();
  const textOnly = new FakeIntentRecognizer({ readsImages: false });
  assert.equal(new EnsembleRecognizer(textOnly, shipped.intent!).readsImages, false);
  assert.equal(new EnsembleRecognizer(textOnly, both.intent!).readsImages, true);
  assert.equal(new EnsembleRecognizer(silent, shipped.intent!).readsImages, true);
  assert.deepEqual(tasksReadingImages({ intent: shipped.intent!, scene: shipped.scene! }), ['scene']);
  assert.deepEqual(tasksReadingImages({ intent: silent }), ['intent']);
});

test('laneOf: a dialogue with images goes to the text lane only when its model reads no pixels and the images are small', () => {
  const image = { name: 'a.png', bytes: new Uint8Array(8) };
  const dialogue = (images: (typeof image)[]): Sample => ({ id: 'd', index: 0, task: 'intent', candidates: [], turns: [{ role: 'user', text: '会生锈吗', images }], images });
  const scene: Sample = { ...dialogue([image]), task: 'scene' };
  const small = { pixels: 2_600_000, bytes: 300_000, cheapToDecode: true };
  assert.equal(laneOf(dialogue([])), 'text');
  assert.equal(laneOf(scene, { readsImages: false, imageLoad: small }), 'image');
  assert.equal(laneOf(dialogue([image]), { readsImages: false, imageLoad: small }), 'text');
  assert.equal(laneOf(dialogue([image]), { imageLoad: small }), 'image', 'a model that says nothing may read them');
  assert.equal(laneOf(dialogue([image]), { readsImages: true, imageLoad: small }), 'image');
  assert.equal(laneOf(dialogue([image]), { readsImages: false }), 'image', 'images not yet probed');
  assert.equal(laneOf(dialogue([image]), { readsImages: false, imageLoad: { ...TEXT_LANE_IMAGE_LOAD, cheapToDecode: true } }), 'text', 'at the limit');
  assert.equal(laneOf(dialogue([image]), { readsImages: false, imageLoad: { ...small, cheapToDecode: false } }), 'image', 'a progressive JPEG, an AVIF...');
  assert.equal(laneOf(dialogue([image]), { readsImages: false, imageLoad: { ...small, pixels: TEXT_LANE_IMAGE_LOAD.pixels + 1 } }), 'image');
  assert.equal(laneOf(dialogue([image]), { readsImages: false, imageLoad: { ...small, bytes: TEXT_LANE_IMAGE_LOAD.bytes + 1 } }), 'image');
});

test('the worker lanes report it from the processes that load the models', { timeout: 120_000 }, async () => {
  for (const [intentModel, expected] of [[reader, ['intent']], [undefined, []]] as const) {
    const lanes = await WorkerLanes.create({
      source: backendSource({ backend: 'embedded', ...(intentModel ? { intentModel } : {}) }),
      warmUp: false,
      // At normal priority: under SCHED_IDLE, other tests busy on both cores would keep it from starting.
      imageIdleScheduling: false,
      imageNiceIncrement: 0,
      lanes: { text: { concurrency: 1 }, image: { concurrency: 1 } },
    });
    try {
      assert.deepEqual(lanes.readsSceneModel, expected, intentModel ?? 'shipped');
      assert.deepEqual(lanes.readsImages, ['scene', ...expected], intentModel ?? 'shipped');
    } finally {
      await lanes.close();
    }
  }
});
