// A queue worker's thread replaced after a crash answers its model version's jobs with that
// version's model, not with a file written into the folder since (it read the folder again).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { rmSync } from 'node:fs';
import { connectionOptions, jobData, QUEUE_PREFIX, queueName, type PredictJobData } from '../../src/queue/jobs.js';
import { startQueueWorker } from '../../src/queue/worker.js';
import { keySamples } from '../../src/runtime/batch-predict.js';
import { modelVersion } from '../../src/runtime/identity.js';
import type { Prediction, Sample } from '../../src/types.js';
import { intentCopy, retrain } from '../runtime/model-copies.js';
import { CRASHING_SOURCE_MODULE } from './crashing-source.js';
import { noRedis, startRedis, until } from './redis-server.js';

const closing: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const close of closing.reverse()) await close().catch(() => {});
});

const dialogue = (id: string, text: string): Sample => ({ id, index: 0, task: 'intent', candidates: [], turns: [{ role: 'user', text, images: [] }], images: [] });

test('a queue worker thread replaced after a crash answers with the model of the version, not a file replaced since', { skip: noRedis, timeout: 120_000 }, async () => {
  const redis = await startRedis();
  closing.push(() => redis.stop());
  const { root, intent, scene, file } = intentCopy();
  closing.push(async () => rmSync(root, { recursive: true, force: true }));
  const selection = { backend: 'embedded' as const, intentModel: intent, sceneModel: scene, allowMissingModels: true };
  const version = await modelVersion(selection);
  const worker = await startQueueWorker({
    redis: redis.url,
    selection,
    // Given the selection as the worker pins it (its model files as read for the version).
    source: (pinned) => ({ module: CRASHING_SOURCE_MODULE, args: pinned }),
    concurrency: 1,
    name: 'replaced',
    log: () => {},
  });
  closing.push(() => worker.close());
  const queue = new Queue<PredictJobData, Prediction>(queueName(version), { connection: connectionOptions(redis.url), prefix: QUEUE_PREFIX });
  closing.push(() => queue.close());
  const answer = async (sample: Sample, attempts = 1): Promise<{ state: string; value?: Prediction }> => {
    const [keyed] = await keySamples([sample], version);
    const job = await queue.add('predict', await jobData(keyed, version), { jobId: sample.id, attempts });
    const state = await until(`job ${sample.id} settled`, async () => {
      const s = await job.getState();
      return s === 'completed' || s === 'failed' ? s : undefined;
    });
    return { state, value: (await queue.getJob(sample.id))?.returnvalue };
  };

  const first = await answer(dialogue('first', '这个锅会生锈吗'));
  assert.equal(first.state, 'completed');
  retrain(file);
  assert.equal((await answer(dialogue('crash', '崩溃'))).state, 'failed', 'the thread ended under the job');
  const next = await answer(dialogue('next', '这个锅会生锈吗'));
  assert.equal(next.state, 'completed');
  assert.equal(typeof first.value?.confidence, 'number', 'the job returns the prediction');
  assert.equal(next.value?.confidence, first.value?.confidence, 'answered by the model of the version');
});
