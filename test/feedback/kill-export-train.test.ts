// The loop end to end with real processes: a real `ecommir serve --feedback-db` answers, takes a
// correction (201) and is killed with SIGKILL at once; the correction is in the database, comes
// out of `ecommir feedback export`, and `ecommir train intent --feedback` trains on it (model
// card counts). SIGHUP reloads the models of the running server on the way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { loadSamples } from '../../src/data/load.js';
import { toNativeRecord } from '../../src/data/native.js';
import { FeedbackStore } from '../../src/feedback/store.js';
import { IntentRecognizer } from '../../src/tasks/intent/recognizer.js';
import { DEV_JSON } from '../data/helpers.js';
import { CLI_COMMAND } from '../cli/run-cli.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

test('a correction survives kill -9, comes out of feedback export and trains a model through train --feedback', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ecommir-loop-'));
  const db = join(dir, 'feedback.db');
  const noModels = mkdtempSync(join(tmpdir(), 'ecommir-no-scene-'));
  const child = spawn(
    process.execPath,
    // --no-image-idle: another test file runs beside this one and would hold back a SCHED_IDLE image lane's warm-up.
    [...CLI_COMMAND, 'serve', '--port', '0', '--feedback-db', db, '--scene-model', noModels, '--allow-missing-models', '--no-image-idle'],
    { cwd: repoRoot, env: { ...process.env, ECOMMIR_API_KEYS: '' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  const waitFor = async (pattern: RegExp, what: string): Promise<RegExpExecArray> => {
    for (let i = 0; i < 1200; i++) {
      const m = pattern.exec(stderr);
      if (m) return m;
      if (child.exitCode !== null) throw new Error(`serve exited: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no ${what} in: ${stderr}`);
  };
  try {
    const address = (await waitFor(/serving on (http:\/\/\S+)/, 'start-up'))[1];
    const post = async (path: string, body: unknown) => {
      const r = await fetch(address + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: r.status, json: (await r.json()) as any };
    };
    // The one dev intent dialogue without images, as a client would send it, and a new one.
    const dev = (await loadSamples(DEV_JSON)).samples.filter((s) => s.task === 'intent');
    const known = dev.find((s) => s.images.length === 0)!;
    const a = await post('/v1/intent', { dialogue: known.turns.map((t) => ({ role: t.role, text: t.text })) });
    const b = await post('/v1/intent', { dialogue: [{ role: 'user', text: '这个不锈钢锅用久了会不会生锈啊' }] });
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);

    child.kill('SIGHUP');
    await waitFor(/models reloaded: intent [0-9a-f]{12}/, 'reload');
    const ready = (await (await fetch(`${address}/readyz`)).json()) as any;
    assert.equal(ready.models.current.generation, 2);

    const relabel = known.label === '用法用量' ? '何时上货' : '用法用量';
    assert.equal((await post('/v1/feedback', { requestId: a.json.requestId, label: relabel })).status, 201);
    const last = await post('/v1/feedback', { requestId: b.json.requestId, label: '是否会生锈' });
    assert.equal(last.status, 201);
    child.kill('SIGKILL'); // right after the 201: no graceful close, no checkpoint
    assert.equal(await exited, 'SIGKILL');

    const store = FeedbackStore.open({ path: db });
    assert.equal(store.prediction(b.json.requestId)?.correction?.label, '是否会生锈', 'the last acknowledged correction survived kill -9');
    assert.equal(store.prediction(a.json.requestId)?.correction?.label, relabel);
    store.close();

    const exported = join(dir, 'feedback.jsonl');
    assert.equal(await main(['feedback', 'export', '--db', db, '--out', exported]), 0);
    const lines = readFileSync(exported, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => [l.id, l.label]), [[a.json.requestId, relabel], [b.json.requestId, '是否会生锈']]);
    assert.ok(lines.every((l) => l.task === 'intent' && typeof l.labelledAt === 'string' && l.predicted));

    // A small data file holding the known dialogue with its dev label: the feedback relabels it and adds one.
    const data = join(dir, 'data.jsonl');
    const subset = [known, ...dev.filter((s) => s !== known).slice(0, 59)];
    writeFileSync(data, subset.map((s) => JSON.stringify(toNativeRecord(s))).join('\n') + '\n');
    const out = join(dir, 'model');
    assert.equal(await main(['train', 'intent', '--data', data, '--feedback', exported, '--no-knowledge', '--out', out]), 0);
    const card = readFileSync(join(out, 'MODEL_CARD.md'), 'utf8');
    assert.match(card, /2 human intent labels from `[^`]+feedback\.jsonl` merged: 1 data-file samples relabelled, 0 confirmed, 1 added, 0 older duplicate labels superseded; 61 samples in all/);
    const model = await IntentRecognizer.load(out);
    assert.equal(model.trainedOn.samples, 61);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});
