// A queue worker whose pool replaced a crashed worker thread, which then found the model file
// replaced since the version was taken: it stops taking jobs (they would be answered by another
// model under this version), puts the job back unspent, and says so.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { connectionOptions, jobData, QUEUE_PREFIX, queueName, type PredictJobData } from '../../src/queue/jobs.js';
import { startQueueWorker } from '../../src/queue/worker.js';
import { keySamples } from '../../src/runtime/batch-predict.js';
import { modelIdentity } from '../../src/runtime/identity.js';
import { DEFAULT_MODELS_DIR } from '../../src/tasks/default-models.js';
import { MODEL_FILE } from '../../src/tasks/model-file.js';
import type { Prediction, Sample } from '../../src/types.js';
import { CRASHING_SOURCE_MODULE } from './crashing-source.js';
import { noRedis, startRedis, until } from './redis-server.js';

const closing: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const close of closing.reverse()) await close().catch(() => {});
});

const dialogue = (id: string, text: string): Sample => ({ id, index: 0, task: 'intent', candidates: [], turns: [{ role: 'user', text, images: [] }], images: [] });

test('a queue worker whose replaced thread finds its model file replaced stops taking jobs, and the job goes back unspent', { skip: noRedis, timeout: 120_000 }, async () => {
  const redis = await startRedis();
  closing.push(() => redis.stop());
  const root = mkdtempSync(join(tmpdir(), 'ecommir-queue-pinned-'));
  const [intent, scene] = [join(root, 'intent'), join(root, 'scene')];
  mkdirSync(intent);
  mkdirSync(scene);
  const file = join(intent, MODEL_FILE);
  copyFileSync(join(DEFAULT_MODELS_DIR, 'intent', MODEL_FILE), file);
  const identity = await modelIdentity({ backend: 'embedded', intentModel: intent, sceneModel: scene, allowMissingModels: true });
  const version = identity.version;
  const lines: string[] = [];
  const worker = await startQueueWorker({
    redis: redis.url,
    selection: identity.selection,
    source: { module: CRASHING_SOURCE_MODULE, args: identity.selection },
    concurrency: 1,
    name: 'pinned',
    log: (line) => lines.push(line),
  });
  closing.push(() => worker.close());
  assert.equal(worker.version, version);
  const queue = new Queue<PredictJobData, Prediction>(queueName(version), { connection: connectionOptions(redis.url), prefix: QUEUE_PREFIX });
  closing.push(() => queue.close());
  const add = async (sample: Sample, attempts: number) => {
    const [keyed] = await keySamples([sample], version);
    return queue.add('predict', await jobData(keyed, version), { jobId: sample.id, attempts });
  };

  const first = await add(dialogue('first', '这个锅会生锈吗'), 3);
  await until('the first job answered', async () => (await first.getState()) === 'completed');
  appendFileSync(file, '\n'); // the same model in other bytes: another version
  const crash = await add(dialogue('crash', '崩溃'), 1);
  await until('the crashing job failed', async () => (await crash.getState()) === 'failed');
  const next = await add(dialogue('next', '这个锅会生锈吗'), 3);
  const reason = await worker.stopped;
  assert.equal(reason.code, 'ECM_ERR_MODEL_CHANGED');
  assert.ok(reason.message.includes(file), reason.message);
  await until('the job back in the queue', async () => (await next.getState()) === 'waiting');
  const back = await queue.getJob('next');
  assert.equal(back?.attemptsMade, 0, 'no attempt spent');
  assert.equal(back?.returnvalue ?? null, null, 'not answered by the other model');
  assert.ok(lines.some((l) => /^worker: stops taking jobs: .*was replaced after its model version was taken/.test(l)), lines.join('\n'));
  await worker.close();
  assert.equal(await next.getState(), 'waiting', 'still waiting for a worker that holds the version');
});
