// The queue's public face. BullMQ takes about a second to import, so the library loads it only
// when a queue is used: these wrappers import the real modules on first call.
import type { QueueRunOptions } from './client.js';
import type { QueueWorker, QueueWorkerOptions } from './worker.js';

export { QUEUE_PREFIX, queueName, jobIdOf, DEFAULT_JOB_OPTIONS, type PredictJobData, type JobImage, type JobDefaults } from './jobs.js';
export type { QueueRunOptions, QueueWorker, QueueWorkerOptions };

/** Starts a worker that answers prediction jobs of its model version (see ./worker.ts). */
export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  return (await import('./worker.js')).startQueueWorker(options);
}

/** Enqueues the samples and collects their answers (see ./client.ts). */
export async function runOnQueue(options: QueueRunOptions): Promise<void> {
  return (await import('./client.js')).runOnQueue(options);
}
