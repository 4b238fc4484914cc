// A model version is taken from the model files' bytes, and the workers that serve it are held to
// those bytes: a worker started later (after a crash or a timeout) read the folder again and served
// a file replaced since under the old version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { modelIdentity, modelVersion } from '../../src/runtime/identity.js';
import { WorkerLanes } from '../../src/runtime/lanes.js';
import { RecognizerPool } from '../../src/runtime/pool.js';
import { backendSource } from '../../src/runtime/source.js';
import { DEFAULT_MODELS_DIR, loadRecognizers } from '../../src/tasks/default-models.js';
import { MODEL_FILE, readModelFile } from '../../src/tasks/model-file.js';
import type { Sample } from '../../src/types.js';
import { HANG_MODULE } from './hang.js';

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const changed = (path: string) => (err: Error & { code?: string; statusCode?: number }) => {
  assert.equal(err.code, 'ECM_ERR_MODEL_CHANGED');
  assert.equal(err.statusCode, 503);
  assert.ok(err.message.includes(path), err.message);
  return true;
};

/** A copy of the shipped intent model in a folder of its own, and an empty scene folder. */
function intentCopy(): { intent: string; scene: string; file: string } {
  const root = mkdtempSync(join(tmpdir(), 'ecommir-pinned-'));
  const intent = join(root, 'intent');
  const scene = join(root, 'scene');
  mkdirSync(intent);
  mkdirSync(scene);
  copyFileSync(join(DEFAULT_MODELS_DIR, 'intent', MODEL_FILE), join(intent, MODEL_FILE));
  return { intent, scene, file: join(intent, MODEL_FILE) };
}

test('a model file is read only as the bytes its version was taken from', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ecommir-pinned-'));
  const file = join(dir, MODEL_FILE);
  writeFileSync(file, JSON.stringify({ kind: 'Probe', version: 1, task: 'intent' }));
  const digest = sha256(file);
  assert.equal((await readModelFile(dir, 'Probe', 1, { digest })).kind, 'Probe');
  writeFileSync(file, JSON.stringify({ kind: 'Probe', version: 1, task: 'intent', retrained: true }));
  await assert.rejects(readModelFile(dir, 'Probe', 1, { digest }), changed(file));
  assert.equal((await readModelFile<{ retrained?: boolean } & { kind: string; version: number; task: 'intent' }>(dir, 'Probe', 1)).retrained, true, 'unpinned, the file is read as it is');
  rmSync(dir, { recursive: true });
});

test('modelIdentity pins the selection to the digests its version was taken from; a pinned file removed is refused, not left out', async () => {
  const { intent, scene, file } = intentCopy();
  const selection = { backend: 'embedded' as const, intentModel: intent, sceneModel: scene, allowMissingModels: true };
  const identity = await modelIdentity(selection);
  assert.equal(identity.version, await modelVersion(selection));
  assert.deepEqual(identity.selection.modelDigests, { scene: null, intent: sha256(file) }, 'the scene folder holds no model: pinned as absent');
  assert.equal(identity.selection.intentModel, intent);
  // The digests are no part of the version: a pinned selection has the same one.
  assert.equal(await modelVersion(identity.selection), identity.version);
  const mllm = await modelIdentity({ backend: 'mllm', endpoint: 'http://127.0.0.1:1/v1', model: 'm', fillFromEmbedded: false });
  assert.equal(mllm.selection.modelDigests, undefined, 'no embedded model is loaded: none is pinned');

  // A scene model written into the folder since is not loaded: the version says there is none.
  copyFileSync(file, join(scene, MODEL_FILE));
  const loaded = await loadRecognizers({ intent, scene }, { allowMissing: true, digests: identity.selection.modelDigests });
  assert.deepEqual(Object.keys(loaded), ['intent']);
  rmSync(join(scene, MODEL_FILE));

  rmSync(file);
  await assert.rejects(loadRecognizers({ intent, scene }, { allowMissing: true, digests: identity.selection.modelDigests }), changed(file));
  assert.deepEqual(Object.keys(await loadRecognizers({ intent, scene }, { allowMissing: true })), [], 'unpinned, a missing model is left out');
  rmSync(join(intent, '..'), { recursive: true });
});

test('a worker replaced after its call was aborted refuses a model file replaced since (503 ECM_ERR_MODEL_CHANGED), where it served it under the old version', { timeout: 120_000 }, async () => {
  const { intent, scene, file } = intentCopy();
  const identity = await modelIdentity({ backend: 'embedded', intentModel: intent, sceneModel: scene, allowMissingModels: true });
  const pool = await RecognizerPool.create({ source: backendSource(identity.selection), threads: 1, name: 'text' });
  const sample: Sample = { id: 'p', index: 0, task: 'intent', candidates: [], turns: [{ role: 'user', text: '这个锅会生锈吗', images: [] }], images: [] };
  try {
    assert.equal(pool.loadError, undefined);
    const before = await pool.predict(sample);
    // The same model in other bytes (retrained, or copied over): a new version, which this pool does not serve.
    appendFileSync(file, '\n');
    assert.notEqual((await modelIdentity({ backend: 'embedded', intentModel: intent, sceneModel: scene, allowMissingModels: true })).version, identity.version);
    assert.equal((await pool.predict(sample)).label, before.label, 'the worker that loaded the old bytes keeps serving them');
    const abort = new AbortController();
    const hanging = pool.run({ module: HANG_MODULE, export: 'hang' }, {}, abort.signal);
    await new Promise((r) => setTimeout(r, 200));
    abort.abort(new Error('deadline'));
    await assert.rejects(hanging, /deadline/);
    assert.equal(pool.stats.terminated, 1, 'the worker was stopped and replaced');
    await assert.rejects(pool.predict(sample), changed(file));
  } finally {
    await pool.close();
    rmSync(join(intent, '..'), { recursive: true });
  }
});

test('lanes whose workers find a pinned model file replaced fail to start with ECM_ERR_MODEL_CHANGED (a reload makes it a 409), not as a missing model', { timeout: 120_000 }, async () => {
  const { intent, scene, file } = intentCopy();
  const identity = await modelIdentity({ backend: 'embedded', intentModel: intent, sceneModel: scene, allowMissingModels: true });
  appendFileSync(file, '\n');
  try {
    await assert.rejects(
      WorkerLanes.create({ source: backendSource(identity.selection), lanes: { text: { concurrency: 1 }, image: { concurrency: 1 } }, warmUp: false, imageIdleScheduling: false, imageNiceIncrement: 0 }),
      changed(file),
    );
  } finally {
    rmSync(join(intent, '..'), { recursive: true });
  }
});
