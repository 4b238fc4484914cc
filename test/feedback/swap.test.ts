// Model swaps, checked: a reload that does not load, changes the labels or answers nonsense is
// refused and changes nothing; a good one is swapped in (versions in /readyz and on answers);
// rollback goes back; the admin routes open only to an admin key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { ModelFiles } from '../../src/tasks/default-models.js';
import { InProcessLanes } from '../../src/runtime/lanes.js';
import { SwappableRuntime, modelVersionOf, type ModelFolders } from '../../src/runtime/swap.js';
import type { PredictOptions, Recognizer } from '../../src/tasks/recognizer.js';
import type { Prediction, Sample } from '../../src/types.js';
import { FakeIntentRecognizer, FakeSceneRecognizer } from '../server/fakes.js';
import { KEY, startServer } from '../server/helpers.js';

const ADMIN = 'admin-key-0123456789abcdef';
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** A model folder whose model.json tells the fake build what to do. */
function folder(spec: { variant: string; renameLabel?: string; broken?: boolean; offLabel?: boolean; readsScene?: boolean }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ecommir-swap-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.json'), JSON.stringify(spec));
  return dir;
}

class OffLabelIntent extends FakeIntentRecognizer {
  override async predict(sample: Sample, options?: PredictOptions): Promise<Prediction> {
    return { ...(await super.predict(sample, options)), label: 'not-a-label' };
  }
}

async function buildFake(folders: ModelFolders) {
  const spec = JSON.parse(readFileSync(join(folders.intent!, 'model.json'), 'utf8'));
  if (spec.broken) throw new Error('model.json is damaged');
  let intent: Recognizer = spec.offLabel ? new OffLabelIntent() : new FakeIntentRecognizer();
  if (spec.renameLabel) {
    const base = intent;
    intent = { task: 'intent', labels: base.labels.map((l) => (l === '推荐' || l === '单品推荐' ? spec.renameLabel : l)), predict: (s, o) => base.predict(s, o) };
  }
  // An intent model that describes the user's images with the scene model.
  if (spec.readsScene) {
    const base = intent;
    intent = { task: 'intent', labels: base.labels, readsSceneModel: true, predict: (s, o) => base.predict(s, o) };
  }
  return new InProcessLanes({ scene: new FakeSceneRecognizer(), intent });
}

test('reloads are checked, swapped, reported, and rolled back; admin routes need an admin key', async () => {
  const a = folder({ variant: 'a' });
  const b = folder({ variant: 'b' });
  const runtime = await SwappableRuntime.create({ build: buildFake, folders: { intent: a } });
  const server = await startServer({ runtime, adminKeys: [ADMIN] });
  const admin = (path: string, body: unknown = {}, key: string | null = ADMIN) =>
    fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, json: (await r.json()) as any }));
  try {
    const va = await modelVersionOf(a);
    const vb = await modelVersionOf(b);
    assert.notEqual(va, vb);
    let ready = (await (await fetch(`${server.url}/readyz`)).json()) as any;
    assert.equal(ready.models.current.models.intent.version, va);
    assert.equal(ready.models.current.generation, 1);
    assert.equal(ready.models.current.folders, undefined, '/readyz is public: no folder paths');
    const answer = await server.post('/v1/intent', { dialogue: [{ role: 'user', text: '会生锈吗' }] });
    assert.equal(answer.json.prediction.modelVersion, va);

    // Keys: a /v1 key is not an admin key; no key; the admin key.
    assert.equal((await admin('/v1/admin/reload', { intentModel: b }, KEY)).status, 401);
    assert.equal((await admin('/v1/admin/reload', { intentModel: b }, null)).status, 401);

    // Refused: does not load, labels changed, a malformed smoke answer. Nothing changes.
    for (const [spec, pattern] of [
      [{ variant: 'c', broken: true }, /did not load: model.json is damaged/],
      [{ variant: 'd', renameLabel: '推荐一下' }, /labels differ .*missing: 单品推荐.*new: 推荐一下/],
      [{ variant: 'e', offLabel: true }, /smoke prediction is malformed/],
    ] as const) {
      const refused = await admin('/v1/admin/reload', { intentModel: folder(spec) });
      assert.equal(refused.status, 422, JSON.stringify(refused.json));
      assert.equal(refused.json.error.code, 'ECM_ERR_MODEL_REJECTED');
      assert.match(refused.json.error.message, pattern);
    }
    ready = (await (await fetch(`${server.url}/readyz`)).json()) as any;
    assert.equal(ready.models.current.models.intent.version, va, 'still the first models');
    const early = await admin('/v1/admin/rollback');
    assert.equal(early.status, 409, 'nothing to roll back to yet');
    assert.equal(early.json.error.code, 'ECM_ERR_CONFLICT', 'a conflict with the state, not a missing thing');

    const swapped = await admin('/v1/admin/reload', { intentModel: b });
    assert.equal(swapped.status, 200, JSON.stringify(swapped.json));
    assert.equal(swapped.json.current.models.intent.version, vb);
    assert.equal(swapped.json.previous.models.intent.version, va);
    assert.ok(swapped.json.smoke.intent.label);
    assert.ok(swapped.json.smoke.scene.label);
    assert.equal((await server.post('/v1/intent', { dialogue: [{ role: 'user', text: '会生锈吗' }] })).json.prediction.modelVersion, vb);
    ready = (await (await fetch(`${server.url}/readyz`)).json()) as any;
    assert.deepEqual([ready.models.current.generation, ready.models.current.models.intent.version, ready.models.previous.models.intent.version], [2, vb, va]);

    const back = await admin('/v1/admin/rollback');
    assert.equal(back.status, 200);
    assert.equal(back.json.current.models.intent.version, va);
    assert.equal((await server.post('/v1/intent', { dialogue: [{ role: 'user', text: '会生锈吗' }] })).json.prediction.modelVersion, va);
    const models = await fetch(`${server.url}/v1/admin/models`, { headers: { authorization: `Bearer ${ADMIN}` } }).then((r) => r.json() as Promise<any>);
    assert.equal(models.current.folders.intent, a, 'the admin view names the folders');
  } finally {
    await server.close();
    await runtime.close();
  }
});

test('without admin keys the admin routes are off (403), loopback or not', async () => {
  const runtime = await SwappableRuntime.create({ build: buildFake, folders: { intent: folder({ variant: 'a' }) } });
  const server = await startServer({ runtime, auth: { apiKeys: [], anonymousLoopback: true } });
  try {
    const r = await fetch(`${server.url}/v1/admin/reload`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(r.status, 403);
    assert.match(((await r.json()) as any).error.message, /ECOMMIR_ADMIN_KEYS/);
  } finally {
    await server.close();
    await runtime.close();
  }
});

test('requests running during a swap finish on the old runtime, which closes only after them', async () => {
  let builds = 0;
  let closed = 0;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const runtime = await SwappableRuntime.create({
    folders: { intent: folder({ variant: 'a' }) },
    build: async () => {
      // The first runtime's requests are held until the swap is done (a fixed 300 ms was shorter than
      // a reload of this test run alone, 150–650 ms: race audit of 2026-12-07), the next one's not.
      const fake = new FakeIntentRecognizer();
      const intent: Recognizer = builds++ === 0 ? { task: 'intent', labels: fake.labels, predict: async (s, o) => (await released, fake.predict(s, o)) } : fake;
      const lanes = new InProcessLanes({ intent, scene: new FakeSceneRecognizer() });
      const close = lanes.close.bind(lanes);
      lanes.close = async () => {
        await close();
        closed++;
      };
      return lanes;
    },
  });
  const sample = { id: 'x', index: 0, task: 'intent' as const, candidates: [], turns: [{ role: 'user' as const, text: '会生锈吗', images: [] }], images: [] };
  const running = Array.from({ length: 3 }, () => runtime.predict(sample, {}, new AbortController().signal));
  await new Promise((r) => setTimeout(r, 20));
  const report = await runtime.reload();
  assert.equal(report.draining, 3);
  assert.equal(closed, 0, 'the old runtime is still answering');
  release();
  const answers = await Promise.all(running);
  assert.ok(answers.every((a) => a.label === '是否会生锈'));
  await runtime.drained();
  assert.equal(closed, 1);
  await runtime.close();
});

test('a reload with no body at all reloads every folder from where it is (it was refused: body must be object)', async () => {
  const a = folder({ variant: 'nobody' });
  const runtime = await SwappableRuntime.create({ build: buildFake, folders: { intent: a } });
  const server = await startServer({ runtime, adminKeys: [ADMIN] });
  try {
    const response = await fetch(`${server.url}/v1/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } });
    const json = (await response.json()) as any;
    assert.equal(response.status, 200, JSON.stringify(json));
    assert.equal(json.current.generation, 2);
  } finally {
    await server.close();
    await runtime.close();
  }
});

test('a rollback to a folder trained over since is refused, naming both versions (it answered 200 and kept the new model)', async () => {
  const live = folder({ variant: 'a' });
  const runtime = await SwappableRuntime.create({ build: buildFake, folders: { intent: live } });
  try {
    const first = await modelVersionOf(live);
    // The README's flow: train into the folder in service, then reload it.
    writeFileSync(join(live, 'model.json'), JSON.stringify({ variant: 'b' }));
    const second = await modelVersionOf(live);
    await runtime.reload();
    await assert.rejects(runtime.rollback(), (err: Error & { code?: string; statusCode?: number }) => {
      assert.equal(err.statusCode, 409);
      assert.equal(err.code, 'ECM_ERR_CONFLICT');
      assert.match(err.message, new RegExp(`held model ${first} and now holds ${second}.*train into a new folder`));
      return true;
    });
    assert.equal(runtime.served().current.models.intent?.version, second, 'nothing changed');
    // Into a new folder, the rollback goes back.
    const fresh = folder({ variant: 'c' });
    await runtime.reload({ intent: fresh });
    const back = await runtime.rollback();
    assert.equal(back.current.models.intent?.version, second);
  } finally {
    await runtime.close();
  }
});

test('a task a backend answers alone is served under the backend\'s version, read before each build; its folder is still pinned by its file\'s version', async () => {
  const live = folder({ variant: 'a' });
  // What a CLIP folder retrained in place between builds looks like: a new digest at each read.
  const digests = ['1'.repeat(64), '2'.repeat(64), '3'.repeat(64), '4'.repeat(64)];
  let reads = 0;
  const backends = async () => {
    const digest = digests[reads++];
    return { scene: { name: 'clip', digest, alone: true }, intent: { name: 'clip', digest, alone: true } };
  };
  const runtime = await SwappableRuntime.create({ build: buildFake, folders: { intent: live }, backends });
  try {
    const first = runtime.served().current;
    assert.deepEqual(first.models.intent, { version: '111111111111', folder: live, backend: 'clip', labels: first.models.intent!.labels });
    assert.deepEqual(first.models.scene, { version: '111111111111', backend: 'clip', labels: first.models.scene!.labels });
    // No folder is served for scenes: none can be named.
    await assert.rejects(runtime.reload({ scene: folder({ variant: 'b' }) }), (err: Error & { statusCode?: number; code?: string }) => {
      assert.equal(err.statusCode, 400);
      assert.equal(err.code, 'ECM_ERR_BAD_OPTION');
      assert.match(err.message, /scene task is answered by the clip backend, not by a model folder: sceneModel cannot be reloaded/);
      return true;
    });
    assert.equal(reads, 1, 'a refused reload reads nothing');
    // The folder's file is what the "changed under the build" check and the rollback compare, not the served version.
    const reloaded = await runtime.reload();
    assert.equal(reloaded.current.models.intent?.version, '222222222222');
    const back = await runtime.rollback();
    assert.equal(back.current.models.intent?.version, '333333333333');
    writeFileSync(join(live, 'model.json'), JSON.stringify({ variant: 'b' }));
    const held = sha256(Buffer.from(JSON.stringify({ variant: 'a' }))).slice(0, 12);
    const now = await modelVersionOf(live);
    await assert.rejects(runtime.rollback(), new RegExp(`held model ${held} and now holds ${now}`));
  } finally {
    await runtime.close();
  }
});

test('a task a backend answers with the folder\'s model is versioned by both; what is kept for a rollback stays private; a backend that cannot be read refuses the reload', async () => {
  const live = folder({ variant: 'a' });
  let unreadable = false;
  const backends = async () => {
    if (unreadable) throw Object.assign(new Error("ENOENT: no such file or directory, open 'clip/model.onnx'"), { code: 'ENOENT' });
    return { intent: { name: 'mllm', alone: false, digest: 'a'.repeat(64) } };
  };
  const runtime = await SwappableRuntime.create({ build: buildFake, folders: { intent: live }, backends });
  try {
    // The same model.json averaged with another LLM is another model.
    const version = sha256(Buffer.from(`${await modelVersionOf(live)}\0${'a'.repeat(64)}`)).slice(0, 12);
    assert.deepEqual(runtime.served().current.models.intent, { version, folder: live, backend: 'mllm', labels: runtime.served().current.models.intent!.labels });
    const report = await runtime.reload();
    for (const generation of [report.current, report.previous, runtime.served().current, runtime.served().previous!]) {
      assert.deepEqual(Object.keys(generation).sort(), ['folders', 'generation', 'loadedAt', 'models'], 'no file versions in what is shown');
    }
    unreadable = true;
    await assert.rejects(runtime.reload(), (err: Error & { statusCode?: number; code?: string }) => {
      assert.equal(err.statusCode, 503);
      assert.equal(err.code, 'ECM_ERR_NO_MODEL');
      assert.match(err.message, /cannot read the backend's model files for their version: ENOENT.*the models in service stay/);
      return true;
    });
    assert.equal(runtime.reloading, false);
    assert.equal(runtime.served().current.generation, 2, 'nothing changed');
  } finally {
    await runtime.close();
  }
});

test('an intent model that reads the scene model is versioned by both files: another scene folder moves it, as a backend averaged with it does', async () => {
  const intent = folder({ variant: 'a', readsScene: true });
  const scene = folder({ variant: 'scene-a' });
  const scene2 = folder({ variant: 'scene-b' });
  const both = async (i: string, s: string) => sha256(Buffer.from(`${await modelVersionOf(i)}\0scene\0${await modelVersionOf(s)}`)).slice(0, 12);
  const runtime = await SwappableRuntime.create({ build: buildFake, folders: { scene, intent } });
  try {
    const first = runtime.served().current.models;
    assert.equal(first.scene?.version, await modelVersionOf(scene));
    assert.equal(first.intent?.version, await both(intent, scene));
    assert.notEqual(first.intent?.version, await modelVersionOf(intent));
    const reloaded = (await runtime.reload({ scene: scene2 })).current.models;
    assert.equal(reloaded.scene?.version, await modelVersionOf(scene2));
    assert.equal(reloaded.intent?.version, await both(intent, scene2), 'another scene folder, another intent version');
    // On an answer too, and back with a rollback.
    const answer = await runtime.predict({ id: 'x', index: 0, task: 'intent', candidates: [], images: [], turns: [{ role: 'user', text: '会生锈吗', images: [] }] }, {}, new AbortController().signal);
    assert.equal(answer.modelVersion, await both(intent, scene2));
    assert.equal((await runtime.rollback()).current.models.intent?.version, await both(intent, scene));
  } finally {
    await runtime.close();
  }
  // One that reads no images keeps its own file's version whatever the scene folder.
  const plain = folder({ variant: 'a' });
  const other = await SwappableRuntime.create({ build: buildFake, folders: { scene, intent: plain } });
  try {
    assert.equal((await other.reload({ scene: scene2 })).current.models.intent?.version, await modelVersionOf(plain));
  } finally {
    await other.close();
  }
  // Averaged with a backend: of both files and the backend.
  const digest = 'b'.repeat(64);
  const averaged = await SwappableRuntime.create({ build: buildFake, folders: { scene, intent }, backends: async () => ({ intent: { name: 'mllm', alone: false, digest } }) });
  try {
    assert.equal(averaged.served().current.models.intent?.version, sha256(Buffer.from(`${await both(intent, scene)}\0${digest}`)).slice(0, 12));
  } finally {
    await averaged.close();
  }
});

/** A build per call: the first one fast, then what `next` says (hang until aborted, hang and ignore the signal, slow intent answers). */
function scriptedBuild(next: () => 'hang' | 'ignore' | { intentDelayMs: number } | 'fast') {
  const seen: { signal?: AbortSignal; closed: boolean; finish?: () => void }[] = [];
  let first = true;
  const build = (_folders: ModelFolders, signal?: AbortSignal): Promise<InProcessLanes> => {
    const record: (typeof seen)[number] = { signal, closed: false };
    seen.push(record);
    const make = (intentDelayMs = 0): InProcessLanes => {
      const lanes = new InProcessLanes({ scene: new FakeSceneRecognizer(), intent: new FakeIntentRecognizer({ delayMs: intentDelayMs }) });
      const close = lanes.close.bind(lanes);
      lanes.close = async () => {
        record.closed = true;
        await close();
      };
      return lanes;
    };
    const what = first ? 'fast' : next();
    first = false;
    if (what === 'fast') return Promise.resolve(make());
    if (typeof what === 'object') return Promise.resolve(make(what.intentDelayMs));
    return new Promise((resolve, reject) => {
      record.finish = () => resolve(make());
      if (what === 'hang') signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  };
  return { build, seen };
}

test('a reload that does not load within its deadline answers 504, stops its build, and leaves the service as it was (it hung for as long as the machine was busy)', { timeout: 30_000 }, async () => {
  let mode: 'hang' | 'ignore' | 'fast' = 'hang';
  const { build, seen } = scriptedBuild(() => mode);
  const runtime = await SwappableRuntime.create({ build, folders: { intent: folder({ variant: 'a' }) }, loadTimeoutMs: 200 });
  const server = await startServer({ runtime, adminKeys: [ADMIN] });
  try {
    const started = performance.now();
    const response = await fetch(`${server.url}/v1/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } });
    const json = (await response.json()) as any;
    assert.equal(response.status, 504, JSON.stringify(json));
    assert.equal(json.error.code, 'ECM_ERR_TIMEOUT');
    assert.match(json.error.message, /loading the new models \(starting and warming up their workers\) did not finish within 200 ms: .*the models in service stay/);
    assert.ok(performance.now() - started < 5_000);
    assert.equal(seen[1].signal?.aborted, true, 'the build was told to stop');
    assert.equal(runtime.reloading, false, 'a later reload is not held off with 409');
    assert.equal(runtime.served().current.generation, 1);
    assert.equal((await server.post('/v1/intent', { dialogue: [{ role: 'user', text: '会生锈吗' }] })).json.prediction.label, '是否会生锈');

    // A build that ignores the signal is not waited for either, and is closed when it ends.
    mode = 'ignore';
    await assert.rejects(runtime.reload(), { code: 'ECM_ERR_TIMEOUT', statusCode: 504 });
    assert.equal(seen[2].closed, false);
    seen[2].finish!();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(seen[2].closed, true, 'the late runtime was closed, not leaked');
    assert.equal(runtime.served().current.generation, 1);

    mode = 'fast';
    assert.equal((await runtime.reload()).current.generation, 2, 'the next reload goes through');
    // A deadline past what a Node timer holds (2^31 − 1 ms) does not fire at once (Node fired it after 1 ms).
    const slowBuild = async (folders: ModelFolders) => (await new Promise((r) => setTimeout(r, 50)), buildFake(folders));
    const patient = await SwappableRuntime.create({ build: slowBuild, folders: { intent: folder({ variant: 'a' }) }, loadTimeoutMs: 2 ** 31 });
    assert.equal((await patient.reload()).current.generation, 2);
    await patient.close();
  } finally {
    await server.close();
    await runtime.close();
  }
});

test('a start that does not load within its deadline fails with a timeout that names the option, and stops its build (it waited, silent, as long as the machine was busy)', { timeout: 30_000 }, async (t) => {
  let signal: AbortSignal | undefined;
  const hang = (_folders: ModelFolders, given?: AbortSignal) => ((signal = given), new Promise<InProcessLanes>(() => {}));
  // The deadline's timer does not hold the process open (real workers do): this stands in for them.
  const workersAlive = setInterval(() => {}, 1_000);
  t.after(() => clearInterval(workersAlive));
  const started = performance.now();
  await assert.rejects(SwappableRuntime.create({ build: hang, folders: { intent: folder({ variant: 'a' }) }, startTimeoutMs: 200 }), (err: Error & { code?: string; statusCode?: number }) => {
    assert.equal(err.code, 'ECM_ERR_TIMEOUT');
    assert.match(err.message, /starting the models \(their workers loaded and warmed up\) did not finish within 200 ms: .*--start-timeout-ms/);
    return true;
  });
  assert.ok(performance.now() - started < 5_000);
  assert.equal(signal?.aborted, true, 'the build was told to stop');

  // A build that ignores the signal is closed when it ends; one that fails keeps its own error.
  let finish!: () => void;
  let closed = false;
  const late = () =>
    new Promise<InProcessLanes>((resolve) => {
      finish = () => {
        const lanes = new InProcessLanes({ intent: new FakeIntentRecognizer() });
        lanes.close = async () => void (closed = true);
        resolve(lanes);
      };
    });
  await assert.rejects(SwappableRuntime.create({ build: late, folders: {}, startTimeoutMs: 50 }), { code: 'ECM_ERR_TIMEOUT' });
  finish();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(closed, true, 'the late runtime was closed, not leaked');
  await assert.rejects(SwappableRuntime.create({ build: buildFake, folders: { intent: folder({ variant: 'a', broken: true }) }, startTimeoutMs: 60_000 }), { message: 'model.json is damaged' });
  // 0: no deadline (not one of 0 ms).
  const slowBuild = async (folders: ModelFolders) => (await new Promise((r) => setTimeout(r, 50)), buildFake(folders));
  await (await SwappableRuntime.create({ build: slowBuild, folders: { intent: folder({ variant: 'a' }) }, startTimeoutMs: 0 })).close();
});

test('a smoke prediction past its deadline is a timeout (504), not a rejected model (422); nothing changes', { timeout: 30_000 }, async () => {
  const { build, seen } = scriptedBuild(() => ({ intentDelayMs: 1_000 }));
  const runtime = await SwappableRuntime.create({ build, folders: { intent: folder({ variant: 'a' }) }, smokeTimeoutMs: 100 });
  try {
    await assert.rejects(runtime.reload(), (err: Error & { code?: string; statusCode?: number }) => {
      assert.equal(err.code, 'ECM_ERR_TIMEOUT');
      assert.equal(err.statusCode, 504);
      assert.match(err.message, /the new intent model's smoke prediction did not finish within 100 ms: the model is too slow or the machine too busy/);
      return true;
    });
    assert.equal(seen[1].closed, true, 'the new runtime was closed');
    assert.equal(runtime.served().current.generation, 1);
  } finally {
    await runtime.close();
  }
});

test('a build that throws at once is a rejected model (422), like one that fails later', { timeout: 30_000 }, async () => {
  let builds = 0;
  const runtime = await SwappableRuntime.create({
    folders: { intent: folder({ variant: 'a' }) },
    build: ((folders: ModelFolders) => {
      if (builds++ > 0) throw new Error('no such model source');
      return buildFake(folders);
    }) as (folders: ModelFolders) => Promise<InProcessLanes>,
  });
  try {
    await assert.rejects(runtime.reload(), { code: 'ECM_ERR_MODEL_REJECTED', statusCode: 422, message: 'the new models did not load: no such model source' });
    assert.equal(runtime.reloading, false);
  } finally {
    await runtime.close();
  }
});

test('a model file replaced while a reload loads it is refused (409), and the models in service stay (the lanes could hold two models under one version)', { timeout: 30_000 }, async () => {
  const a = folder({ variant: 'a' });
  const b = folder({ variant: 'b' });
  let builds = 0;
  const runtime = await SwappableRuntime.create({
    folders: { intent: a },
    build: (async (folders: ModelFolders) => {
      const lanes = await buildFake(folders);
      // The second build (the reload) sees b's file replaced after it read it, as a lane reading later would.
      if (builds++ === 1) writeFileSync(join(b, 'model.json'), JSON.stringify({ variant: 'b2' }));
      return lanes;
    }) as (folders: ModelFolders) => Promise<InProcessLanes>,
  });
  try {
    const served = runtime.served().current.models.intent!.version;
    await assert.rejects(runtime.reload({ intent: b }), (err: Error & { code?: string; statusCode?: number }) => {
      assert.equal(err.code, 'ECM_ERR_CONFLICT');
      assert.equal(err.statusCode, 409);
      assert.match(err.message, /model file changed while it was loading \(.*model\.json went from [0-9a-f]{12} to [0-9a-f]{12}\)/);
      return true;
    });
    assert.equal(runtime.served().current.models.intent!.version, served);
    assert.equal(runtime.served().current.generation, 1);
    // Written and left alone, the same folder reloads.
    assert.equal((await runtime.reload({ intent: b })).current.models.intent!.version, await modelVersionOf(b));
  } finally {
    await runtime.close();
  }
});

test('with checkAtStart, a model that fails its smoke prediction is refused at the start (it was served as ready, answering 500)', { timeout: 30_000 }, async () => {
  const folders = { intent: folder({ variant: 'a', offLabel: true }) };
  let closed = 0;
  const build = (async (f: ModelFolders) => {
    const lanes = await buildFake(f);
    const close = lanes.close.bind(lanes);
    lanes.close = () => (closed++, close());
    return lanes;
  }) as (folders: ModelFolders) => Promise<InProcessLanes>;
  await assert.rejects(SwappableRuntime.create({ folders, build, checkAtStart: true }), {
    code: 'ECM_ERR_MODEL_REJECTED',
    message: /^the starting intent model's smoke prediction is malformed \(label "not-a-label", confidence/,
  });
  assert.equal(closed, 1, 'the runtime it built is closed');
  const unchecked = await SwappableRuntime.create({ folders, build });
  await unchecked.close();
});

test('closing the service gives up a reload still loading at once (it waited for the build)', { timeout: 30_000 }, async () => {
  const { build, seen } = scriptedBuild(() => 'hang');
  const runtime = await SwappableRuntime.create({ build, folders: { intent: folder({ variant: 'a' }) }, loadTimeoutMs: 60_000 });
  const reloading = runtime.reload();
  await new Promise((r) => setTimeout(r, 20));
  const started = performance.now();
  await runtime.close();
  assert.ok(performance.now() - started < 2_000, 'closed without waiting for the deadline');
  assert.equal(seen[1].signal?.aborted, true);
  await assert.rejects(reloading, { code: 'ECM_ERR_BUSY', statusCode: 503 });
});

test('a build is given the model files as read for the versions it is served under', { timeout: 30_000 }, async () => {
  const a = folder({ variant: 'a' });
  const b = folder({ variant: 'b' });
  const given: (ModelFiles | undefined)[] = [];
  const runtime = await SwappableRuntime.create({
    folders: { intent: a },
    build: (async (folders: ModelFolders, _signal?: AbortSignal, files?: ModelFiles) => {
      given.push(files);
      // At the start, the file is written again while the workers load: they were given the bytes read for the version.
      if (given.length === 1) writeFileSync(join(a, 'model.json'), JSON.stringify({ variant: 'a2' }));
      return buildFake(folders);
    }) as (folders: ModelFolders, signal?: AbortSignal, files?: ModelFiles) => Promise<InProcessLanes>,
  });
  try {
    const bytesA = Buffer.from(JSON.stringify({ variant: 'a' }));
    assert.ok(Buffer.from(given[0]!.intent!).equals(bytesA));
    assert.equal(given[0]!.scene, undefined, 'no scene folder: nothing read for it');
    assert.equal(runtime.served().current.models.intent!.version, sha256(bytesA).slice(0, 12));
    const report = await runtime.reload({ intent: b });
    assert.ok(Buffer.from(given[1]!.intent!).equals(readFileSync(join(b, 'model.json'))));
    assert.equal(report.current.models.intent!.version, await modelVersionOf(b));
  } finally {
    await runtime.close();
  }
});
