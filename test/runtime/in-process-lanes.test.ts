// The in-process lanes route as the worker lanes do (laneOf): a dialogue whose model reads no pixels,
// with small images, is checked and answered in the text lane while a screenshot holds the image lane.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessLanes } from '../../src/runtime/lanes.js';
import type { Recognizer } from '../../src/tasks/recognizer.js';
import type { Sample } from '../../src/types.js';
import { FakeIntentRecognizer, FakeSceneRecognizer } from '../server/fakes.js';
import { solidPng } from '../server/helpers.js';

test('InProcessLanes answers a small dialogue of a text-only model beside a held image lane, and queues the rest there', async () => {
  let release!: () => void;
  let held!: Promise<void>;
  const fakeScene = new FakeSceneRecognizer();
  const scene: Recognizer = { task: 'scene', labels: fakeScene.labels, predict: async (s, o) => (await held, fakeScene.predict(s, o)) };
  const image = { name: 'p.png', bytes: new Uint8Array(await solidPng(40, 40, [20, 40, 220])) };
  const sample = (task: Sample['task']): Sample => ({ id: task, index: 0, task, candidates: [], turns: [{ role: 'user', text: '会生锈吗 <image>', images: [image] }], images: [image] });
  const small = { pixels: 1600, bytes: image.bytes.length, cheapToDecode: true };
  for (const readsImages of [false, undefined]) {
    held = new Promise<void>((resolve) => (release = resolve));
    const lanes = new InProcessLanes({ scene, intent: new FakeIntentRecognizer({ readsImages }) }, { image: { concurrency: 1 } });
    const screenshot = lanes.predict(sample('scene'), {}, new AbortController().signal);
    const dialogue = lanes.predict(sample('intent'), { imageLoad: small }, new AbortController().signal);
    const first = await Promise.race([dialogue.then(() => 'dialogue'), new Promise((r) => setTimeout(() => r('timed out'), 500))]);
    assert.equal(first, readsImages === false ? 'dialogue' : 'timed out', `readsImages ${readsImages}`);
    assert.deepEqual([lanes.stats().image.active, lanes.stats().image.queued], readsImages === false ? [1, 0] : [1, 1]);
    release();
    await Promise.all([screenshot, dialogue]);
    assert.equal((await dialogue).label, '是否会生锈');
    await lanes.close();
  }
});
