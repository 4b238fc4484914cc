import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { servedBackends, servedFolders, type ServeFlags } from '../../src/cli/commands/serve.js';
import { backendSelection } from '../../src/cli/backend-options.js';
import { backendDigest } from '../../src/runtime/identity.js';
import { CLI_COMMAND } from '../cli/run-cli.js';
import { processAlive } from './helpers.js';
import { childProcesses } from '../runtime/worker-processes.js';
import { intentCopy, retrain } from '../runtime/model-copies.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
// Model folders with no model in them: the shipped models must not be picked up here.
// Another test file runs beside this one, and a SCHED_IDLE image process would wait for it to load
// (a start of 5 s took over 30 s beside two busy loops). The policy is tested in test/server/workers.test.ts.
const NOT_IDLE = ['--no-image-idle'];
const noModels = mkdtempSync(join(tmpdir(), 'ecommir-no-models-'));

/** `serve --port 0` from source (not idle, no API keys); `serving` is its address once it says it serves. */
function spawnServe(flags: readonly string[], env: Record<string, string> = {}): { child: ReturnType<typeof spawn>; serving: Promise<string> } {
  const child = spawn(process.execPath, [...CLI_COMMAND, 'serve', '--port', '0', ...NOT_IDLE, ...flags], {
    cwd: repoRoot,
    env: { ...process.env, ECOMMIR_API_KEYS: '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const serving = new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /serving on (http:\/\/\S+)/.exec(stderr);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`serve exited early (${code}): ${stderr}`)));
  });
  return { child, serving };
}

test('serve serves both embedded folders whenever it loads them, none under an LLM alone; a backend answering a task gives its digest', async () => {
  const clipDir = mkdtempSync(join(tmpdir(), 'ecommir-clip-'));
  const cases: [string, Partial<ServeFlags>, string[], Record<string, { name: string; alone: boolean }>][] = [
    ['embedded', { backend: 'embedded' }, ['scene', 'intent'], {}],
    ['mllm', { backend: 'mllm', endpoint: 'http://127.0.0.1:1/v1', model: 'm' }, [], { scene: { name: 'mllm', alone: true }, intent: { name: 'mllm', alone: true } }],
    ['mllm ensembled', { backend: 'mllm', endpoint: 'http://127.0.0.1:1/v1', model: 'm', ensembleEmbedded: true }, ['scene', 'intent'], { scene: { name: 'mllm', alone: false }, intent: { name: 'mllm', alone: false } }],
    // The scene folder too: an intent model that reads images describes them with the scene model.
    ['clip', { backend: 'clip', modelDir: clipDir }, ['scene', 'intent'], { scene: { name: 'clip', alone: true } }],
    ['clip ensembled', { backend: 'clip', modelDir: clipDir, ensembleEmbedded: true }, ['scene', 'intent'], { scene: { name: 'clip', alone: false } }],
  ];
  for (const [name, given, folders, backends] of cases) {
    const flags = { sceneModel: 'my/scene', ...given } as ServeFlags;
    const selection = backendSelection(flags);
    const served = servedFolders(flags, selection);
    assert.deepEqual(served.map((f) => f.task), folders, name);
    if (served.length) assert.deepEqual(served[0], { task: 'scene', dir: join(process.cwd(), 'my/scene'), flag: '--scene-model' }, name);
    const read = await servedBackends(selection)();
    assert.deepEqual(Object.fromEntries(Object.entries(read).map(([task, b]) => [task, { name: b.name, alone: b.alone }])), backends, name);
    for (const b of Object.values(read)) assert.equal(b.digest, await backendDigest(selection), name);
  }
  rmSync(clipDir, { recursive: true });
});

test('serve refuses a non-loopback host when no API keys are configured', async () => {
  const saved = process.env.ECOMMIR_API_KEYS;
  delete process.env.ECOMMIR_API_KEYS;
  try {
    assert.equal(await main(['serve', '--host', '0.0.0.0', '--port', '0']), 2);
  } finally {
    if (saved !== undefined) process.env.ECOMMIR_API_KEYS = saved;
  }
});

test('serve stops at once, non-zero and naming the folder, when a model it was told to load is missing', { timeout: 60_000 }, async () => {
  const missing = join(noModels, 'no-such-folder');
  for (const [flags, named] of [
    [['--scene-model', missing], /no scene model: .*no-such-folder \(--scene-model\) does not exist/],
    [['--intent-model', noModels], /no intent model: .*ecommir-no-models-\S+ \(--intent-model\) has no model\.json/],
  ] as const) {
    const child = spawn(process.execPath, [...CLI_COMMAND, 'serve', '--port', '0', ...flags], { cwd: repoRoot, env: { ...process.env, ECOMMIR_API_KEYS: '' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 3, stderr);
    assert.match(stderr, named);
    assert.match(stderr, /--allow-missing-models/);
    assert.match(stderr, /\[ECM_ERR_NO_MODEL\]/);
    assert.doesNotMatch(stderr, /serving on/);
  }
});

test('serve whose workers do not start within --start-timeout-ms exits 4 saying so, its worker process stopped (it waited silently under a busy machine)', { timeout: 60_000 }, async () => {
  // 500 ms: time to fork the image worker process, not to load it (about 2 s idle), so this is the
  // deadline passing during the load, as under a load that starves the workers.
  const child = spawn(process.execPath, [...CLI_COMMAND, 'serve', '--port', '0', '--start-timeout-ms', '500'], { cwd: repoRoot, env: { ...process.env, ECOMMIR_API_KEYS: '' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const workers = new Set<number>();
  const watch = setInterval(() => childProcesses(child.pid!).forEach((pid) => workers.add(pid)), 10);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(watch);
  assert.equal(code, 4, stderr);
  assert.match(stderr, /starting the models \(their workers loaded and warmed up\) did not finish within 500 ms: .*--start-timeout-ms.*\[ECM_ERR_TIMEOUT\]/);
  assert.doesNotMatch(stderr, /serving on/);
  // An idle pool does not hold the process open: serve can end with a worker still loading, which
  // would go on until its channel closed. It was stopped first.
  assert.ok(workers.size > 0, 'the image worker process was seen');
  assert.deepEqual([...workers].filter(processAlive), [], 'no worker process outlives serve');
});

test('serve on a port that is taken, or on no TCP port, exits 2 naming it instead of staying up with no server', { timeout: 60_000 }, async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as AddressInfo).port;
  try {
    for (const [flag, named] of [
      [String(port), new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use`)],
      ['99999', /--port must be a TCP port, 0–65535, got 99999/],
    ] as const) {
      const child = spawn(process.execPath, [...CLI_COMMAND, 'serve', '--port', flag, ...NOT_IDLE, '--scene-model', noModels, '--intent-model', noModels, '--allow-missing-models'], {
        cwd: repoRoot,
        env: { ...process.env, ECOMMIR_API_KEYS: '' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      // Before this was fixed the process never exited: the test's own timeout is the failure.
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      assert.equal(code, 2, stderr);
      assert.match(stderr, named);
      assert.match(stderr, /\[ECM_ERR_BAD_OPTION\]/);
      assert.doesNotMatch(stderr, /internal error|\n\s+at /);
    }
  } finally {
    taken.close();
  }
});

test('serve --allow-missing-models without models reports not ready, and SIGTERM ends it cleanly', { timeout: 30_000 }, async () => {
  const { child, serving } = spawnServe(['--scene-model', noModels, '--intent-model', noModels, '--allow-missing-models']);
  const address = await serving;
  const ready = await fetch(`${address}/readyz`);
  assert.equal(ready.status, 503);
  assert.equal(((await ready.json()) as any).error.code, 'ECM_ERR_NO_MODEL');
  const intent = await fetch(`${address}/v1/intent`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ dialogue: [{ role: 'user', text: '怎么用' }] }),
  });
  assert.equal(intent.status, 503, 'no fake fallback: the classify endpoints are not ready either');
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});

test('a server started through npx stops when npx is stopped by its PID', { timeout: 90_000 }, async () => {
  // npx → sh -c → node, as `npx ecommir serve` runs (here the CLI from source, so that the test needs no build).
  const command = `node --import tsx test/server/run-cli.ts serve --port 0 ${NOT_IDLE.join(' ')} --allow-missing-models --scene-model ${noModels} --intent-model ${noModels}`;
  const npx = spawn('npx', ['--yes', '-c', command], { cwd: repoRoot, env: { ...process.env, ECOMMIR_API_KEYS: '' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let pid = 0;
  try {
    const address = await new Promise<string>((resolve, reject) => {
      npx.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /serving on (http:\/\/\S+) .*pid (\d+)/.exec(stderr);
        if (match) {
          pid = Number(match[2]);
          resolve(match[1]);
        }
      });
      npx.once('exit', (code) => reject(new Error(`npx exited early (${code}): ${stderr}`)));
    });
    assert.ok(pid > 0 && pid !== npx.pid, 'the server runs in its own process under npx');
    assert.equal((await fetch(`${address}/healthz`)).status, 200);
    npx.kill('SIGTERM');
    // Gone within a few seconds: the port refuses and the process has exited.
    const deadline = Date.now() + 15_000;
    while ((processAlive(pid) || (await fetch(`${address}/healthz`).then(() => true, () => false))) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(await fetch(`${address}/healthz`).then(() => true, () => false), false, `the server still answers after npx was stopped: ${stderr}`);
    assert.equal(processAlive(pid), false, 'the server process ended');
    assert.match(stderr, /the npm process that started this server ended/);
  } finally {
    if (npx.exitCode === null) npx.kill('SIGKILL');
    if (pid > 0 && processAlive(pid)) process.kill(pid, 'SIGKILL');
  }
});

const ADMIN_KEY = 'admin-key-0123456789abcdef';

test('serve: a text worker replaced after a timeout serves the model in service, not a file replaced since; a reload serves the new file under its own version', { timeout: 180_000 }, async () => {
  const { root, intent, file } = intentCopy();
  const { child, serving } = spawnServe(['--scene-model', noModels, '--intent-model', intent, '--allow-missing-models', '--text-workers', '1', '--timeout-ms', '50', '--start-timeout-ms', '0'], { ECOMMIR_ADMIN_KEYS: ADMIN_KEY });
  try {
    const address = await serving;
    const ask = (...texts: string[]) =>
      fetch(`${address}/v1/intent`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ dialogue: texts.map((text) => ({ role: 'user', text })) }) }).then(async (r) => ({ status: r.status, json: (await r.json()) as any }));
    // Asked until answered: on a loaded machine a short dialogue may take longer than the 50 ms deadline.
    const answered = async (): Promise<{ status: number; json: any }> => {
      const until = Date.now() + 60_000;
      let answer = await ask('这个锅会生锈吗');
      while (answer.status === 504 && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 200));
        answer = await ask('这个锅会生锈吗');
      }
      return answer;
    };
    const first = await answered();
    assert.equal(first.status, 200, JSON.stringify(first.json));
    retrain(file); // another model in the folder, not reloaded
    // Held past the 50 ms deadline (a dialogue of 100,000 characters takes about 0.3 s), the worker is stopped and replaced.
    const slow = await ask(...Array.from({ length: 5 }, () => '这个锅会生锈吗'.repeat(2_800)));
    assert.equal(slow.status, 504, JSON.stringify(slow.json));
    const lanes = ((await (await fetch(`${address}/readyz`)).json()) as any).lanes;
    assert.ok(lanes.text.terminated >= 1, `the text worker was stopped, to be replaced: ${JSON.stringify(lanes)}`);
    // Asked again until the replacement has loaded (it takes longer than the deadline: 504 meanwhile).
    const after = await answered();
    assert.equal(after.status, 200, JSON.stringify(after.json));
    assert.equal(after.json.prediction.modelVersion, first.json.prediction.modelVersion);
    assert.equal(after.json.prediction.confidence, first.json.prediction.confidence, 'the model of the version in service, not the file written since');
    // The reload's smoke prediction has the request deadline too: on a busy machine it may take more than one try.
    let reload: { status: number; json: any } | undefined;
    for (let i = 0; i < 10 && reload?.status !== 200; i++) {
      const answer = await fetch(`${address}/v1/admin/reload`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` }, body: '{}' }).then(async (r) => ({ status: r.status, json: (await r.json()) as any }));
      assert.ok(answer.status === 200 || answer.status === 504, JSON.stringify(answer.json));
      reload = answer;
    }
    assert.equal(reload?.status, 200, JSON.stringify(reload?.json));
    const version = reload!.json.current.models.intent.version as string;
    assert.notEqual(version, first.json.prediction.modelVersion, 'the new file, under its own version');
    const reloaded = await answered();
    assert.equal(reloaded.status, 200, JSON.stringify(reloaded.json));
    assert.equal(reloaded.json.prediction.modelVersion, version);
    assert.notEqual(reloaded.json.prediction.confidence, first.json.prediction.confidence, 'the new model');
  } finally {
    child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  }
});
