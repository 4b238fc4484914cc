// A model version is taken from the model files' bytes, and the workers that serve it parse those
// bytes, read once: a worker started later (after a crash or a timeout) read the folder again, and
// served a file replaced since under the old version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MllmRecognizer } from '../../src/backends/mllm/recognizer.js';
import { backendTasks, createRecognizers, embeddedTasks, loadsEmbeddedModels } from '../../src/backends/select.js';
import { backendDigest, combineSettings, modelIdentity, modelVersion } from '../../src/runtime/identity.js';
import { RecognizerPool } from '../../src/runtime/pool.js';
import { backendSource } from '../../src/runtime/source.js';
import { loadRecognizers } from '../../src/tasks/default-models.js';
import { IntentRecognizer } from '../../src/tasks/intent/recognizer.js';
import { MODEL_FILE, readModelFile } from '../../src/tasks/model-file.js';
import type { Sample } from '../../src/types.js';
import { HANG_MODULE } from './hang.js';
import { intentCopy, retrain } from './model-copies.js';

const sample: Sample = { id: 'p', index: 0, task: 'intent', candidates: [], turns: [{ role: 'user', text: '这个锅会生锈吗', images: [] }], images: [] };

test('a model file given as bytes is parsed from them, not read from the folder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ecommir-pinned-'));
  writeFileSync(join(dir, MODEL_FILE), JSON.stringify({ kind: 'Probe', version: 1, task: 'intent', retrained: true }));
  const bytes = new TextEncoder().encode(JSON.stringify({ kind: 'Probe', version: 1, task: 'intent' }));
  type Probe = { kind: string; version: number; task: 'intent'; retrained?: boolean };
  assert.equal((await readModelFile<Probe>(dir, 'Probe', 1, { bytes })).retrained, undefined);
  assert.equal((await readModelFile<Probe>(dir, 'Probe', 1)).retrained, true);
  rmSync(dir, { recursive: true });
});

test('modelIdentity gives the selection the model files as read for its version; absent ones stay absent', async () => {
  const { root, intent, scene, file } = intentCopy();
  const selection = { backend: 'embedded' as const, intentModel: intent, sceneModel: scene, allowMissingModels: true };
  const identity = await modelIdentity(selection);
  assert.equal(identity.version, await modelVersion(selection));
  const files = identity.selection.modelFiles!;
  assert.equal(files.scene, null, 'no scene model when the version was taken');
  assert.ok(Buffer.from(files.intent!).equals(readFileSync(file)));
  assert.ok(files.intent!.buffer instanceof SharedArrayBuffer, 'one copy shared by the worker threads, not one each');
  // The files are no part of the version: the selection that carries them has the same one.
  assert.equal(await modelVersion(identity.selection), identity.version);
  const mllm = await modelIdentity({ backend: 'mllm', endpoint: 'http://127.0.0.1:1/v1', model: 'm', fillFromEmbedded: false });
  assert.equal(mllm.selection.modelFiles, undefined, 'no embedded model is loaded: none is read');

  // A scene model written since is not loaded, a removed intent model still is: what the version says.
  copyFileSync(file, join(scene, MODEL_FILE));
  rmSync(file);
  const loaded = await loadRecognizers({ intent, scene }, { allowMissing: true, files });
  assert.deepEqual(Object.keys(loaded), ['intent']);
  assert.equal((await loaded.intent!.predict(sample)).label, '是否会生锈');
  await assert.rejects(loadRecognizers({ intent, scene }, { files }), /the scene model folder .* has no model\.json/, 'a folder named without allowMissing must hold a model, as it did then');
  rmSync(root, { recursive: true });
});

test('an LLM that answers every task reads no embedded model file, and its version does not follow one', async () => {
  const { root, intent, scene, file } = intentCopy();
  const llm = { backend: 'mllm' as const, endpoint: 'http://127.0.0.1:1/v1', model: 'm', intentModel: intent, sceneModel: scene, allowMissingModels: true };
  const fillsIntent = { ...llm, mllmTasks: ['scene'] as const };
  const ensemble = { ...llm, ensembleWithEmbedded: true };
  const clip = { backend: 'clip' as const, modelDir: join(root, 'clip'), intentModel: intent, sceneModel: scene, allowMissingModels: true };
  assert.deepEqual([llm, fillsIntent, ensemble, clip, { ...clip, fillFromEmbedded: false }].map(loadsEmbeddedModels), [false, true, true, true, false]);
  // Per task, what `serve` reads and versions from a folder: the tasks the embedded models answer.
  const fillsScene = { ...llm, mllmTasks: ['intent'] as const };
  const clipEnsemble = { ...clip, ensembleWithEmbedded: true };
  const selections = [{ backend: 'embedded' as const }, llm, fillsIntent, fillsScene, { ...fillsScene, fillFromEmbedded: false }, ensemble, clip, clipEnsemble, { ...clipEnsemble, fillFromEmbedded: false }];
  assert.deepEqual(selections.map(embeddedTasks), [['scene', 'intent'], [], ['intent'], ['scene'], [], ['scene', 'intent'], ['intent'], ['scene', 'intent'], ['scene']]);
  assert.deepEqual(selections.map(backendTasks), [[], ['scene', 'intent'], ['scene'], ['intent'], ['intent'], ['scene', 'intent'], ['scene'], ['scene'], ['scene']]);
  const before = await modelIdentity(llm);
  assert.equal(before.selection.modelFiles, undefined, 'no embedded model is loaded: none is read');
  // Nor loaded: a folder that holds no model is not even looked at.
  const answered = await createRecognizers({ ...llm, intentModel: join(root, 'none'), sceneModel: join(root, 'none'), allowMissingModels: false });
  assert.deepEqual(Object.keys(answered).sort(), ['intent', 'scene']);
  assert.ok(Object.values(answered).every((recognizer) => recognizer instanceof MllmRecognizer));
  const filledBefore = await modelIdentity(fillsIntent);
  assert.ok(Buffer.from(filledBefore.selection.modelFiles!.intent!).equals(readFileSync(file)), 'the intent task is left to the embedded model: its file is read');
  const ensembleBefore = await modelVersion(ensemble);
  retrain(file);
  // An LLM's answers stay current when a model it never consults is retrained; the others' do not.
  assert.equal(await modelVersion(llm), before.version);
  assert.notEqual(await modelVersion(fillsIntent), filledBefore.version);
  assert.notEqual(await modelVersion(ensemble), ensembleBefore);
  rmSync(root, { recursive: true });
});

test('a worker replaced after its call was aborted serves the model its version was taken from, not a file replaced since', { timeout: 120_000 }, async () => {
  const { root, intent, scene, file } = intentCopy();
  const identity = await modelIdentity({ backend: 'embedded', intentModel: intent, sceneModel: scene, allowMissingModels: true });
  const pool = await RecognizerPool.create({ source: backendSource(identity.selection), threads: 1, name: 'text' });
  try {
    assert.equal(pool.loadError, undefined);
    const before = await pool.predict(sample);
    retrain(file);
    const retrained = await (await IntentRecognizer.load(intent)).predict(sample);
    assert.notEqual(retrained.confidence, before.confidence, 'the file now holds another model');
    const abort = new AbortController();
    const hanging = pool.run({ module: HANG_MODULE, export: 'hang' }, {}, abort.signal);
    await new Promise((r) => setTimeout(r, 200));
    abort.abort(new Error('deadline'));
    await assert.rejects(hanging, /deadline/);
    assert.equal(pool.stats.terminated, 1, 'the worker was stopped and replaced');
    const after = await pool.predict(sample);
    assert.equal(after.confidence, before.confidence, 'the replacement serves the version in service');
  } finally {
    await pool.close();
    rmSync(root, { recursive: true });
  }
});

test('how a backend is averaged with the embedded model is part of its version; its defaults given or left out are one version', async () => {
  const ensemble = { backend: 'mllm' as const, endpoint: 'http://127.0.0.1:1/v1', model: 'm', ensembleWithEmbedded: true };
  const spelt = { ...ensemble, ensembleMode: 'average' as const, ensembleWeights: [1, 1] as const };
  const agreement = { ...ensemble, ensembleMode: 'agreement' as const };
  const weighted = { ...ensemble, ensembleWeights: [2, 1] as const };
  // The service's part for the tasks the backend answers (serve.ts: servedBackends).
  const digests = await Promise.all([ensemble, spelt, agreement, weighted].map(backendDigest));
  assert.equal(digests[1], digests[0]);
  assert.equal(new Set(digests).size, 3);
  // Unchanged where the CLI leaves them out (it has no flag for them): the digest of the backend alone.
  assert.equal(digests[0], await backendDigest({ ...ensemble, ensembleWithEmbedded: false }));
  // Not averaged, they change nothing.
  assert.equal(await backendDigest({ ...agreement, ensembleWithEmbedded: false }), digests[0]);
  // The model version of `predict` and the queue the same way.
  const versions = await Promise.all([ensemble, spelt, agreement, weighted].map(modelVersion));
  assert.equal(versions[1], versions[0]);
  assert.equal(new Set(versions).size, 3);
  // The part the CLI's selections hash is written as it was before the ensemble's options counted (then
  // JSON.stringify dropped them, left out), so its versions stay the same.
  assert.equal(JSON.stringify(combineSettings(ensemble)), '{"fill":true,"ensemble":true}');
  assert.equal(JSON.stringify(combineSettings(spelt)), '{"fill":true,"ensemble":true}');
  assert.equal(JSON.stringify(combineSettings({ backend: 'embedded' })), '{"fill":true,"ensemble":false}');
  assert.equal(JSON.stringify(combineSettings({ ...weighted, fillFromEmbedded: false })), '{"fill":false,"ensemble":true,"weights":[2,1]}');
});
