// A pooled predictor's two lanes live alike: text on worker threads, images in worker processes.
// Idle, neither keeps a script alive (one that forgets close() still ends); closed, both refuse, and
// so does the in-process predictor (concurrency 1, no pool).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { localPredictor } from '../../src/runtime/batch-predict.js';
import { FAKES_MODULE } from '../server/fakes.js';
import type { Sample } from '../../src/types.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const BATCH_PREDICT = new URL('../../src/runtime/batch-predict.ts', import.meta.url).href;

// An intent dialogue with an image goes to the image lane (laneOf); the fake intent recogniser reads
// only the text, but a dialogue's images are decoded before it is answered, so the image is a real one.
const textSample: Sample = { id: 't', index: 0, task: 'intent', candidates: [], turns: [{ role: 'user', text: '怎么用', images: [] }], images: [] };
const ref = { name: 'logistics.png', path: fileURLToPath(new URL('../../examples/screenshots/logistics.png', import.meta.url)) };
const imageSample: Sample = { id: 'i', index: 1, task: 'intent', candidates: [], turns: [{ role: 'user', text: '推荐 <image>', images: [ref] }], images: [ref] };

const SCRIPT = `
const { localPredictor } = await import(${JSON.stringify(BATCH_PREDICT)});
const predictor = await localPredictor({ backend: 'embedded' }, { source: { module: ${JSON.stringify(FAKES_MODULE)} }, concurrency: 1, warmUp: false });
const answers = [await predictor.predict(${JSON.stringify(textSample)}), await predictor.predict(${JSON.stringify(imageSample)})];
process.stdout.write('predicted ' + answers.map((p) => p.label).join(' ') + '\\n');
// no predictor.close(): the script must end on its own
`;

test('a script that predicts on both lanes and never calls close() ends on its own', { timeout: 120_000 }, async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let lingered: NodeJS.Timeout | undefined;
  const ended = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Loading tsx and the workers takes seconds on a busy machine: only the time after the answers counts.
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.includes('predicted')) lingered ??= setTimeout(() => child.kill('SIGKILL'), 15_000);
  });
  const startLimit = setTimeout(() => child.kill('SIGKILL'), 100_000);
  try {
    const code = await ended;
    assert.match(out, /predicted 用法用量 单品推荐/);
    assert.equal(code, 0, 'the script was still running 15 s after its last answer (killed): an idle pool keeps it alive');
  } finally {
    clearTimeout(startLimit);
    clearTimeout(lingered);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

test('after close() both lanes refuse a prediction alike, naming the closed pool', { timeout: 120_000 }, async () => {
  const predictor = await localPredictor({ backend: 'embedded' }, { source: { module: FAKES_MODULE }, concurrency: 1, warmUp: false });
  assert.equal((await predictor.predict(textSample)).label, '用法用量');
  assert.equal((await predictor.predict(imageSample)).label, '单品推荐');
  await predictor.close();
  const refusals: Record<string, string> = {};
  for (const [lane, sample] of [['text', textSample], ['image', imageSample]] as const) {
    await assert.rejects(predictor.predict(sample), (err: Error & { code?: string; statusCode?: number }) => {
      assert.equal(err.code, 'ECM_ERR_BACKEND', `${lane}: ${err.message}`);
      assert.equal(err.statusCode, 503);
      assert.match(err.message, new RegExp(`^the ${lane} pool is closed \\(close\\(\\) .*create a new one`));
      refusals[lane] = err.message.replace(lane, 'LANE');
      return true;
    });
  }
  assert.equal(refusals.text, refusals.image, 'the same refusal in both lanes');
});

test('after close() the in-process predictor (concurrency 1, no pool) refuses a prediction as a pool does', { timeout: 120_000 }, async () => {
  // The shipped intent model alone: no source and no cache is what keeps the recognisers in this process.
  const predictor = await localPredictor({ backend: 'embedded', sceneModel: '/no/such/scene-model', allowMissingModels: true }, { concurrency: 1 });
  assert.equal(typeof (await predictor.predict(textSample)).label, 'string');
  await predictor.close();
  await assert.rejects(predictor.predict(textSample), (err: Error & { code?: string; statusCode?: number }) => {
    assert.equal(err.code, 'ECM_ERR_BACKEND', err.message);
    assert.equal(err.statusCode, 503);
    assert.match(err.message, /^the in-process predictor is closed \(close\(\) .*create a new one to predict$/);
    return true;
  });
  await predictor.close(); // a second close() is harmless, as a pool's
});
