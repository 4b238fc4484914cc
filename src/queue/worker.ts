// `ecommir worker`: takes prediction jobs of its model version from the queue and answers them on
// recogniser pools (text on threads, images in processes), so the event loop stays free to renew
// the jobs' locks however long OCR takes. A worker that dies (killed, out of memory, a lost machine)
// stops renewing its locks: after the lock duration another worker's stalled-job check puts the
// job back in the queue, and its answer is written once, by whoever finishes it.
import { hostname } from 'node:os';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { BackendSelection } from '../backends/select.js';
import { EcommirError } from '../errors.js';
import { checkSample } from '../data/input-limits.js';
import { PooledPredictor, warmsUp } from '../runtime/batch-predict.js';
import { modelIdentity } from '../runtime/identity.js';
import { backendSource, type RecognizerSource } from '../runtime/source.js';
import type { Prediction } from '../types.js';
import { BadJobError, checkJobFormat, checkRedis, connectionOptions, QUEUE_PREFIX, queueName, redactUrl, redisUrl, sampleFromJob, watchRedis, type PredictJobData } from './jobs.js';

export interface QueueWorkerOptions {
  redis: string;
  selection: BackendSelection;
  /** Jobs at once; also the workers of each pool. */
  concurrency: number;
  /** A job's lock lasts this long without renewal; a dead worker's job is taken back after it. Default 30 s. */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for. Default 30 s. */
  stalledIntervalMs?: number;
  /** The worker's name in Redis (CLIENT LIST, a job's processedBy). Default ecommir-worker-HOST-PID. */
  name?: string;
  /**
   * Where the recognisers come from (default: backendSource(selection)). A function is given the
   * selection with the model files as read for the version (BackendSelection.modelFiles).
   */
  source?: RecognizerSource | ((selection: BackendSelection) => RecognizerSource);
  /** The model version served (default: modelIdentity(selection).version). */
  version?: string;
  log?: (line: string) => void;
}

export interface QueueWorker {
  readonly version: string;
  readonly queue: string;
  readonly name: string;
  /** Finishes the jobs in hand (their answers are written), then stops. */
  close(): Promise<void>;
}

function sourceOf(source: QueueWorkerOptions['source'], selection: BackendSelection): RecognizerSource {
  if (source === undefined) return backendSource(selection);
  return typeof source === 'function' ? source(selection) : source;
}

/** Turns a failure into what BullMQ should do: bad input and foreign jobs are not retried. */
function forQueue(err: unknown): Error {
  if (err instanceof BadJobError) return new UnrecoverableError(`${err.message} [${err.code}]`);
  if (err instanceof EcommirError) {
    const message = `${err.message} [${err.code}]`;
    // 4xx: the sample itself is at fault; no model for the task: no retry here can find one; no answer
    // from a backend's model for this sample: its calls are spent (another attempt would spend three more).
    return err.statusCode < 500 || err.code === 'ECM_ERR_NO_MODEL' || err.code === 'ECM_ERR_NO_ANSWER' ? new UnrecoverableError(message) : new Error(message);
  }
  return err instanceof Error ? err : new Error(String(err));
}

export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const url = redisUrl(options.redis);
  const info = await checkRedis(url);
  // Its workers parse the model files as read for the version (ModelFiles): one replaced after a crash
  // serves this version, not a file written since.
  const identity = await modelIdentity(options.selection);
  const version = options.version ?? identity.version;
  const queue = queueName(version);
  const name = options.name ?? `ecommir-worker-${hostname()}-${process.pid}`;
  const predictor = await PooledPredictor.create(sourceOf(options.source, identity.selection), { concurrency: options.concurrency, warmUp: warmsUp(options.selection) });

  let inHand = 0;
  const processor = async (job: Job<PredictJobData, Prediction>): Promise<Prediction> => {
    inHand++;
    try {
      checkJobFormat(job.data);
      if (job.data.modelVersion !== version) {
        throw new BadJobError(`this worker serves model version ${version}, the job asks for ${String(job.data.modelVersion)}`);
      }
      const sample = await sampleFromJob(job.data);
      // A job is held to the input limits of predict and the API: the queue is written by any Redis client.
      await checkSample(sample);
      if (!predictor.tasks[sample.task]) throw new EcommirError('ECM_ERR_NO_MODEL', `this worker has no ${sample.task} model`, { statusCode: 503 });
      return await predictor.predict(sample);
    } catch (err) {
      throw forQueue(err);
    } finally {
      inHand--;
    }
  };
  const worker = new Worker<PredictJobData, Prediction>(queue, processor, {
    connection: connectionOptions(url),
    prefix: QUEUE_PREFIX,
    concurrency: options.concurrency,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
    // Taken back from a dead worker twice at most: a job whose workers died under it three times is more
    // likely the cause than unlucky, and goes to the dead letters.
    maxStalledCount: 2,
    name,
  });
  const watch = watchRedis([worker], {
    url,
    who: 'worker',
    log,
    // A job whose lock ran out meanwhile is taken back by the stalled-job check and answered again, by whoever takes it.
    kept: () => `answers already sent are in Redis; ${inHand === 0 ? 'no job was in hand' : `the ${inHand} job${inHand === 1 ? '' : 's'} in hand go on, their answers written when it is back`}`,
    back: 'taking jobs again',
  });
  worker.on('failed', (job, err) => {
    if (!job) return;
    const final = err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    log(`worker: job ${job.id} (record #${job.data?.sample?.index}, id ${job.data?.sample?.id}) failed${final ? '' : ', will be retried'}: ${err.message}`);
  });
  await worker.waitUntilReady();
  const tasks = Object.entries(predictor.tasks).filter(([, on]) => on).map(([task]) => task).join(' and ');
  log(`worker ${name}: model version ${version} (${tasks}), queue ${QUEUE_PREFIX}:${queue} on ${redactUrl(url)} (Redis ${info.version}), ${options.concurrency} at a time`);
  if (info.maxmemoryPolicy !== 'noeviction' && info.maxmemoryPolicy !== 'unknown') {
    log(`worker: warning: Redis maxmemory-policy is ${info.maxmemoryPolicy}; set it to noeviction, or Redis may drop jobs under memory pressure`);
  }
  return {
    version,
    queue,
    name,
    async close() {
      watch.stop();
      await worker.close();
      await predictor.close();
    },
  };
}
