// The bookkeeping of batch runs: prediction keys (content + model version), the resumable
// prediction log, the model version read from the model files, the bounded concurrent loop, and the
// pooled predictor answering as the in-process one does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { forEachConcurrent, keySamples, PooledPredictor, PredictionLog, uniqueByKey } from '../../src/runtime/batch-predict.js';
import sharp from 'sharp';
import { batchLaneOf } from '../../src/runtime/lanes.js';
import { threadsPerWorker } from '../../src/vision/threads.js';
import { modelVersion, sampleContent } from '../../src/runtime/identity.js';
import { DEFAULT_MODELS_DIR } from '../../src/tasks/default-models.js';
import type { Prediction, Sample } from '../../src/types.js';
import { tempDir } from '../data/helpers.js';
import { FAKES_MODULE } from '../server/fakes.js';

const scene = (id: string, index: number, path: string): Sample => {
  const ref = { name: path.split('/').pop()!, path };
  return { id, index, task: 'scene', candidates: [], turns: [{ role: 'user', text: '<image>', images: [ref] }], images: [ref] };
};
const intent = (id: string, index: number, text: string): Sample => ({ id, index, task: 'intent', candidates: [], turns: [{ role: 'user', text, images: [] }], images: [] });
const prediction = (id: string, label: string): Prediction => ({ id, task: 'intent', label, coarse: 'c', hierarchical: `c-${label}`, confidence: 0.5, uncertain: false, ranked: [] });

test('a sample is keyed by its content and the model version, never by its id, position or file name', async () => {
  const dir = await tempDir({ 'a.png': 'png', 'b.png': 'png', 'c.png': 'corrupt' });
  const [a, sameBytesOtherName, other] = await keySamples([scene('x', 0, join(dir, 'a.png')), scene('y', 7, join(dir, 'b.png')), scene('x', 0, join(dir, 'c.png'))], 'v1');
  assert.equal(a.key, sameBytesOtherName.key, 'same image bytes, other id, index and name: same key');
  assert.notEqual(a.key, other.key, 'other bytes: other key');
  const [v2] = await keySamples([scene('x', 0, join(dir, 'a.png'))], 'v2');
  assert.notEqual(a.key, v2.key, 'another model version: another key');
  const [t1, t2, t3] = await keySamples([intent('a', 0, '会生锈吗'), intent('b', 1, '会生锈吗'), intent('a', 0, '会褪色吗')], 'v1');
  assert.equal(t1.key, t2.key);
  assert.notEqual(t1.key, t3.key);
  assert.deepEqual(uniqueByKey([t1, t2, t3]).map((k) => k.sample.id), ['a', 'a']);
  assert.equal((await sampleContent(scene('x', 0, join(dir, 'a.png')))).imageHashes.length, 1);
});

test('the prediction log resumes: whole lines are kept, a line cut by a crash is dropped and overwritten', async () => {
  const dir = await tempDir({});
  const path = join(dir, 'out.csv.partial.jsonl');
  const first = await PredictionLog.open(path);
  await first.append('k1', prediction('a', '生锈'));
  await first.append('k2', prediction('b', '褪色'));
  await first.close();
  await writeFile(path, (await readFile(path, 'utf8')) + '{"key":"k3","id":"c","lab'); // killed mid-write
  const again = await PredictionLog.open(path);
  assert.deepEqual([...again.done.keys()], ['k1', 'k2']);
  assert.deepEqual(again.done.get('k2'), prediction('b', '褪色'), 'the key is not part of the prediction');
  await again.append('k3', prediction('c', '材质'));
  await again.close();
  const lines = (await readFile(path, 'utf8')).split('\n').filter(Boolean);
  assert.equal(lines.length, 3);
  for (const line of lines) JSON.parse(line); // every line whole
  const last = await PredictionLog.open(path);
  assert.equal(last.done.size, 3);
  await last.remove();
  await assert.rejects(readFile(path), { code: 'ENOENT' });
});

test('the model version follows the bytes of the model files, not their folder', async () => {
  const dir = await tempDir({});
  const copy = join(dir, 'intent');
  await cp(join(DEFAULT_MODELS_DIR, 'intent'), copy, { recursive: true });
  const shipped = await modelVersion({ backend: 'embedded' });
  assert.match(shipped, /^[0-9a-f]{16}$/);
  assert.equal(await modelVersion({ backend: 'embedded', intentModel: copy }), shipped, 'the same files elsewhere: the same version');
  const model = await readFile(join(copy, 'model.json'), 'utf8');
  await writeFile(join(copy, 'model.json'), model.replace(/"version":1/, '"version":1 '));
  assert.notEqual(await modelVersion({ backend: 'embedded', intentModel: copy }), shipped, 'one byte changed: a new version');
  assert.notEqual(await modelVersion({ backend: 'mllm', endpoint: 'http://127.0.0.1:1/v1', model: 'a' }), await modelVersion({ backend: 'mllm', endpoint: 'http://127.0.0.1:1/v1', model: 'b' }));
});

test('a CLIP folder has one version however it is spelt, and a new one when a file under it changes', async () => {
  const dir = await tempDir({});
  const clip = join(dir, 'clip');
  await mkdir(join(clip, 'onnx'), { recursive: true });
  await writeFile(join(clip, 'config.json'), '{}');
  await writeFile(join(clip, 'onnx', 'model.onnx'), 'weights');
  const version = (modelDir: string) => modelVersion({ backend: 'clip', modelDir, ensembleWithEmbedded: false, fillFromEmbedded: false });
  const spelt = [clip, `${clip}/`, join(dir, '.', 'clip') + '/.', `${dir}/./clip`];
  const versions = await Promise.all(spelt.map(version));
  assert.deepEqual(new Set(versions).size, 1, `${spelt.join(', ')}: ${versions.join(', ')}`);
  await writeFile(join(clip, 'onnx', 'model.onnx'), 'weights, retrained');
  assert.notEqual(await version(clip), versions[0]);
});

test('forEachConcurrent keeps at most `limit` running, and after a failure starts nothing new', async () => {
  let running = 0;
  let most = 0;
  const seen: number[] = [];
  await forEachConcurrent(20, 3, async (i) => {
    running++;
    most = Math.max(most, running);
    await new Promise((r) => setTimeout(r, 5 + (i % 3)));
    seen.push(i);
    running--;
  });
  assert.equal(most, 3);
  assert.equal(seen.length, 20);
  const started: number[] = [];
  await assert.rejects(
    forEachConcurrent(20, 2, async (i) => {
      started.push(i);
      await new Promise((r) => setTimeout(r, 5));
      if (i === 3) throw new Error('bad sample');
    }),
    /bad sample/,
  );
  assert.ok(started.length <= 6, `started ${started.length} after the failure`);
  assert.equal(threadsPerWorker(1, 2), 2);
  assert.equal(threadsPerWorker(2, 2), 1);
  assert.equal(threadsPerWorker(3, 2), 1);
  assert.equal(threadsPerWorker(2, 8), 4);
});

test('a pooled predictor answers each sample as the recogniser does, on worker threads and processes', { timeout: 120_000 }, async () => {
  const dir = await tempDir({ 'a.png': 'png' });
  const predictor = await PooledPredictor.create({ module: FAKES_MODULE, args: {} }, { concurrency: 2 });
  try {
    assert.deepEqual(predictor.tasks, { scene: true, intent: true });
    const texts = ['会生锈吗', '怎么用', '这个灯能调亮度吗', '什么材质'];
    const answers = await Promise.all(texts.map((t, i) => predictor.predict(intent(`t${i}`, i, t))));
    assert.deepEqual(answers.map((a) => a.label), ['是否会生锈', '用法用量', '能否调光', '商品材质']);
    assert.deepEqual(answers.map((a) => a.id), ['t0', 't1', 't2', 't3']);
    const image = await predictor.predict(scene('s', 0, join(dir, 'a.png')));
    assert.equal(image.task, 'scene');
    assert.equal('ms' in image, false, 'no timing field in batch predictions');
  } finally {
    await predictor.close();
  }
});

/** This process's child processes that run Node: a pool's worker processes (its threads are none). */
function nodeChildren(): number {
  return execFileSync('ps', ['-o', 'comm=', '--ppid', String(process.pid)], { encoding: 'utf8' })
    .split('\n')
    .filter((name) => name.trim() === 'node').length;
}

test('a batch answers the dialogues of a model that reads no pixels on the text lane, images and all; one that reads them starts the image lane at its first such dialogue', { timeout: 120_000 }, async () => {
  const dir = await tempDir({});
  await writeFile(join(dir, 'photo.png'), await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 0, g: 0, b: 255 } } }).png().toBuffer());
  await writeFile(join(dir, 'cut.png'), (await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 9, g: 90, b: 9 }, noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer()).subarray(0, 300));
  const withImage = (id: string, file: string): Sample => {
    const ref = { name: file, path: join(dir, file) };
    return { id, index: 0, task: 'intent', candidates: [], turns: [{ role: 'user', text: '会生锈吗', images: [ref] }], images: [ref] };
  };
  assert.equal(batchLaneOf(withImage('a', 'photo.png'), false), 'text');
  assert.equal(batchLaneOf(withImage('a', 'photo.png'), true), 'image');
  assert.equal(batchLaneOf(intent('b', 0, '会生锈吗'), true), 'text', 'no image: text, whatever the model');
  assert.equal(nodeChildren(), 0, 'no worker process before the predictors start');
  for (const readsImages of [false, true]) {
    // The lanes `predict` asks for when every sample is a dialogue: the text lane alone.
    const predictor = await PooledPredictor.create({ module: FAKES_MODULE, args: { intent: { readsImages } } }, { concurrency: 1, lanes: ['text'], warmUp: false });
    try {
      assert.deepEqual(predictor.readsImages, readsImages ? ['scene', 'intent'] : ['scene']);
      const answers = await Promise.all(['a', 'b'].map((id) => predictor.predict(withImage(id, 'photo.png'))));
      assert.deepEqual(answers.map((a) => a.label), ['是否会生锈', '是否会生锈']);
      assert.equal(nodeChildren(), readsImages ? 1 : 0, readsImages ? 'the image lane was started for them' : 'no image process was started');
      // Either lane decodes the images first: a cut photo is refused by name.
      await assert.rejects(predictor.predict(withImage('c', 'cut.png')), (err: Error & { code?: string }) => err.code === 'ECM_ERR_IMAGE_CORRUPT' && /cut\.png/.test(err.message));
    } finally {
      await predictor.close();
    }
    await assert.rejects(predictor.predict(withImage('d', 'photo.png')), /pool is closed/, 'refused after close(), in either lane');
    await assert.rejects(predictor.predict(scene('e', 0, join(dir, 'photo.png'))), /the image pool is closed/, 'and in a lane it had not started (or had)');
  }
  const none = await PooledPredictor.create({ module: FAKES_MODULE, args: {} }, { concurrency: 1, lanes: [], warmUp: false });
  try {
    assert.deepEqual(none.tasks, { scene: true, intent: true }, 'no lane named: both started, as by default');
  } finally {
    await none.close();
  }
});

test('options given their defaults name the same model version as options left out', async () => {
  const bare = await modelVersion({ backend: 'embedded' });
  assert.equal(await modelVersion({ backend: 'embedded', ensembleWithEmbedded: false, fillFromEmbedded: true, hierarchical: false, constrain: 'guided_choice', timeoutMs: 5, concurrency: 9 }), bare);
  assert.notEqual(await modelVersion({ backend: 'embedded', fillFromEmbedded: false }), bare);
});
