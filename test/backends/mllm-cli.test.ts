// `--backend mllm` end to end through the CLI (a child process) against a scripted local server,
// and `export sft` / `export clip` through the CLI on a few dev records.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { DEV_IMAGES, DEV_JSON, tempDir } from '../data/helpers.js';
import { startChatServer, type TestServer } from './mllm-server.js';
import { runCli, startCli } from '../cli/run-cli.js';
import { backendDigest } from '../../src/runtime/identity.js';

const EXAMPLE = new URL('../../examples/dialogues/rust.json', import.meta.url);

interface Record_ { id: string; instruction: string; output: string; image: string[] }
const dev = JSON.parse(readFileSync(DEV_JSON, 'utf8')) as Record_[];
const isIntent = (r: Record_) => r.instruction.includes('<用户与客服的对话 START>');
const firstIntent = dev.find((r) => isIntent(r) && r.image.length > 0)!;
const records = [firstIntent, dev.find((r) => isIntent(r) && r.image.length > 0 && r.output !== firstIntent.output)!, dev.find((r) => !isIntent(r))!];
const servers: TestServer[] = [];

/** The address a started `serve` prints once it listens. */
function servingAddress(serve: ReturnType<typeof startCli>): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const poll = setInterval(() => {
      const match = /serving on (http:\/\/\S+)/.exec(serve.output());
      if (match) {
        clearInterval(poll);
        resolve(match[1]);
      }
    }, 50);
    void serve.exited.then((code) => {
      clearInterval(poll);
      reject(new Error(`serve exited early (${code}): ${serve.output()}`));
    });
  });
}
after(async () => Promise.all(servers.map((s) => s.close())));

test('wiring only (the scripted server echoes each gold label): predict --backend mllm asks the server for every sample and writes its answers', async () => {
  const dir = await tempDir({});
  const data = join(dir, 'data.json');
  writeFileSync(data, JSON.stringify(records));
  // The server answers each sample with its gold label, told apart by the bytes of its first image.
  const firstImage = records.map((r) => readFileSync(join(DEV_IMAGES, r.image[0])).toString('base64'));
  assert.equal(new Set(records.map((r) => r.output)).size, 3, 'three different labels, so a mix-up shows');
  const server = await startChatServer((r) => {
    const urls = JSON.stringify(r.body.messages[1].content);
    const i = firstImage.findIndex((b64) => urls.includes(`base64,${b64}"`));
    return { content: i >= 0 ? JSON.stringify({ label: records[i].output }) : 'unknown' };
  });
  servers.push(server);
  const out = join(dir, 'out.jsonl');
  const result = await runCli(['predict', '--data', data, '--images', DEV_IMAGES, '--out', out, '--no-progress', '--backend', 'mllm', '--endpoint', server.endpoint, '--model', 'tuned', '--constrain', 'json_schema'], { ECOMMIR_MLLM_API_KEY: 'k-test' });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(server.requests.length, 3);
  assert.ok(server.requests.every((r) => r.body.model === 'tuned' && r.headers.authorization === 'Bearer k-test' && r.body.response_format));
  const predictions = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; label: string });
  assert.deepEqual(predictions.map((p) => p.label), records.map((r) => r.output));
});

test('predict --skip-bad --backend mllm leaves out a sample the model answers off the label set on every call, lists it, and writes the rest', async () => {
  const dir = await tempDir({});
  const data = join(dir, 'data.json');
  writeFileSync(data, JSON.stringify(records));
  const firstImage = records.map((r) => readFileSync(join(DEV_IMAGES, r.image[0])).toString('base64'));
  // The second record is answered off the label set on every call; the others with their gold label.
  const server = await startChatServer((r) => {
    const urls = JSON.stringify(r.body.messages[1].content);
    const i = firstImage.findIndex((b64) => urls.includes(`base64,${b64}"`));
    return { content: JSON.stringify({ label: i === 1 ? '无法判断' : records[i].output }) };
  });
  servers.push(server);
  const out = join(dir, 'out.jsonl');
  const result = await runCli(['predict', '--data', data, '--images', DEV_IMAGES, '--out', out, '--no-progress', '--skip-bad', '--backend', 'mllm', '--endpoint', server.endpoint, '--model', 'tuned', '--constrain', 'json_schema']);
  assert.equal(result.code, 1, result.stderr);
  const errors = readFileSync(`${out}.errors.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; code: string });
  assert.deepEqual(errors.map((e) => [e.id, e.code]), [[records[1].id, 'ECM_ERR_NO_ANSWER']]);
  assert.deepEqual(readFileSync(out, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id), [records[0].id, records[2].id]);
});

test('predict --backend mllm keeps --mllm-concurrency requests in flight, whatever --concurrency is', async () => {
  const dir = await tempDir({});
  const data = join(dir, 'data.json');
  writeFileSync(data, JSON.stringify(records));
  const firstImage = records.map((r) => readFileSync(join(DEV_IMAGES, r.image[0])).toString('base64'));
  for (const [workers, requests] of [['2', '1'], ['1', '3']]) {
    const server = await startChatServer((r) => {
      const urls = JSON.stringify(r.body.messages[1].content);
      return { content: JSON.stringify({ label: records[firstImage.findIndex((b64) => urls.includes(`base64,${b64}"`))].output }), delayMs: 300 };
    });
    servers.push(server);
    const out = join(dir, `out-${workers}-${requests}.jsonl`);
    const args = ['predict', '--data', data, '--images', DEV_IMAGES, '--out', out, '--no-progress', '--backend', 'mllm', '--endpoint', server.endpoint, '--model', 'tuned', '--constrain', 'json_schema'];
    const result = await runCli([...args, '--concurrency', workers, '--mllm-concurrency', requests]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(server.requests.length, 3);
    assert.equal(server.maxInFlight, Number(requests), `--concurrency ${workers} --mllm-concurrency ${requests}`);
  }
});

test('serve --backend mllm sends the server nothing before the first request (no warm-up), then one request per dialogue', { timeout: 60_000 }, async () => {
  const server = await startChatServer(() => ({ content: JSON.stringify({ label: '是否会生锈' }) }));
  servers.push(server);
  // --no-image-idle: another test file runs beside this one, and a SCHED_IDLE image process would wait for it to load.
  const serve = startCli(['serve', '--port', '0', '--no-image-idle', '--backend', 'mllm', '--endpoint', server.endpoint, '--model', 'tuned', '--constrain', 'json_schema'], { ECOMMIR_MLLM_API_KEY: 'k-test', ECOMMIR_API_KEYS: '' });
  try {
    const address = await servingAddress(serve);
    assert.equal((await fetch(`${address}/readyz`)).status, 200, serve.output());
    assert.equal(server.requests.length, 0, 'no warm-up sample went to the model server');
    const answer = await fetch(`${address}/v1/intent`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: readFileSync(EXAMPLE) });
    assert.equal(answer.status, 200, await answer.clone().text());
    assert.equal(((await answer.json()) as { prediction: { label: string } }).prediction.label, '是否会生锈');
    assert.equal(server.requests.length, 1);
  } finally {
    serve.child.kill('SIGTERM');
    await serve.exited;
  }
});

test('serve --backend mllm neither reads nor versions the embedded folders: the LLM\'s version, no folder to reload, a rollback after they were retrained', { timeout: 60_000 }, async () => {
  // A label of the task asked (a reload's smoke predictions ask both): the intent prompt lists 是否会生锈.
  const server = await startChatServer((r) => ({ content: JSON.stringify({ label: JSON.stringify(r.body).includes('是否会生锈') ? '是否会生锈' : '物流页面-物流列表页面' }) }));
  servers.push(server);
  // Folders the LLM never consults, holding files that are no model at all: a service that read them
  // would report their versions, and refuse the rollback once they changed.
  const dir = await tempDir({});
  for (const task of ['scene', 'intent']) {
    mkdirSync(join(dir, task));
    writeFileSync(join(dir, task, 'model.json'), '{"not":"a model"}');
  }
  const admin = 'admin-key-0123456789abcdef';
  const serve = startCli(
    ['serve', '--port', '0', '--no-image-idle', '--backend', 'mllm', '--endpoint', server.endpoint, '--model', 'tuned', '--constrain', 'json_schema', '--scene-model', join(dir, 'scene'), '--intent-model', join(dir, 'intent')],
    { ECOMMIR_API_KEYS: '', ECOMMIR_ADMIN_KEYS: admin },
  );
  try {
    const address = await servingAddress(serve);
    const expected = (await backendDigest({ backend: 'mllm', endpoint: server.endpoint, model: 'tuned', constrain: 'json_schema', hierarchical: false })).slice(0, 12);
    assert.notEqual(expected, createHash('sha256').update('{"not":"a model"}').digest('hex').slice(0, 12), "not the folders' version");
    const ready = (await (await fetch(`${address}/readyz`)).json()) as { models: { current: { models: Record<string, { version: string; backend?: string; labels: number }> } } };
    assert.deepEqual(ready.models.current.models.intent, { version: expected, backend: 'mllm', labels: ready.models.current.models.intent.labels });
    assert.deepEqual(ready.models.current.models.scene, { version: expected, backend: 'mllm', labels: ready.models.current.models.scene.labels });
    const served = (await (await fetch(`${address}/v1/admin/models`, { headers: { authorization: `Bearer ${admin}` } })).json()) as { current: { folders: object } };
    assert.deepEqual(served.current.folders, {}, 'no folder is served');
    const answer = await fetch(`${address}/v1/intent`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: readFileSync(EXAMPLE) });
    assert.equal(((await answer.json()) as { prediction: { modelVersion: string } }).prediction.modelVersion, expected);

    const postAdmin = (path: string, body?: object) =>
      fetch(`${address}/v1/admin/${path}`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
    const named = await postAdmin('reload', { intentModel: join(dir, 'intent') });
    assert.equal(named.status, 400, await named.clone().text());
    assert.match(((await named.json()) as { error: { message: string } }).error.message, /intent task is answered by the mllm backend, not by a model folder/);
    const reload = await postAdmin('reload');
    assert.equal(reload.status, 200, `${await reload.text()} ${serve.output()}`);
    writeFileSync(join(dir, 'intent', 'model.json'), '{"retrained":true}');
    const rollback = await postAdmin('rollback');
    assert.equal(rollback.status, 200, await rollback.clone().text());
    assert.equal(((await rollback.json()) as { current: { models: Record<string, { version: string }> } }).current.models.intent.version, expected);
  } finally {
    serve.child.kill('SIGTERM');
    await serve.exited;
  }
});

test('classify dialogue --backend mllm without --endpoint is a clear option error', async () => {
  const result = await runCli(['classify', 'dialogue', EXAMPLE.pathname, '--backend', 'mllm', '--model', 'x']);
  assert.equal(result.code, 2, 'a usage error');
  assert.match(result.stderr, /--backend mllm needs --endpoint URL.*ECM_ERR_BAD_OPTION/);
});

test('export sft --format llamafactory and export clip through the CLI validate their output', async () => {
  const dir = await tempDir({});
  const data = join(dir, 'data.json');
  writeFileSync(data, JSON.stringify(records));
  const sftOut = join(dir, 'lf');
  const sft = await runCli(['export', 'sft', '--format', 'llamafactory', '--task', 'both', '--data', data, '--images', DEV_IMAGES, '--out', sftOut, '--augment-copies', '0', '--hierarchical', '--no-progress']);
  assert.equal(sft.code, 0, sft.stderr);
  assert.match(sft.stderr, /wrote 3 training records/);
  assert.ok(existsSync(join(sftOut, 'dataset_info.json')));
  const clipOut = join(dir, 'clip');
  const clip = await runCli(['export', 'clip', '--data', data, '--images', DEV_IMAGES, '--out', clipOut, '--val-fraction', '0', '--max-side', '64', '--no-progress']);
  assert.equal(clip.code, 0, clip.stderr);
  assert.match(clip.stderr, /train: 1 images, 1 texts/);
});
