// `ecommir predict --queue`: puts one job per distinct sample on the queue of the model version and
// collects the answers as workers make them. Before adding, it looks each job up: an answer kept from
// an earlier run is taken as it is (a re-run costs nothing twice), a dead letter of an earlier run
// is tried again, a job still waiting or running is waited for. Answers arrive as queue events; a
// sweep over the jobs still outstanding catches any event missed (a dropped connection, a restart).
import { Job, Queue, QueueEvents } from 'bullmq';
import type { KeyedSample } from '../runtime/batch-predict.js';
import type { Prediction } from '../types.js';
import { bullJobOptions, checkRedis, connectionOptions, DEFAULT_JOB_OPTIONS, jobData, jobIdOf, QUEUE_PREFIX, queueName, redactUrl, redisUrl, servedVersions, watchRedis, type JobDefaults, type PredictJobData } from './jobs.js';

export interface QueueRunOptions extends Partial<JobDefaults> {
  redis: string;
  version: string;
  /** The distinct samples still to answer. */
  items: readonly KeyedSample[];
  /** Put the image bytes in the jobs (workers without the client's storage). Default false: paths. */
  inlineImages?: boolean;
  onAnswer: (item: KeyedSample, prediction: Prediction) => void | Promise<void>;
  /** A job that exhausted its tries (or could not succeed): its reason and tries made. */
  onDeadLetter: (item: KeyedSample, reason: string, attempts: number) => void | Promise<void>;
  /** How often outstanding jobs are looked up, ms. Default 5000. */
  sweepMs?: number;
  /** How often to say that no worker serves the queue, ms. Default 30000. */
  noWorkerWarningMs?: number;
  /** What the caller has kept of the answers so far, said when Redis is lost (e.g. "3 of 10 predictions are kept in OUT.partial.jsonl"). */
  kept?: () => string;
  log?: (line: string) => void;
}

const LOOKUP_BATCH = 256;
const ADD_BATCH = 500;

export async function runOnQueue(options: QueueRunOptions): Promise<void> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const defaults: JobDefaults = {
    attempts: options.attempts ?? DEFAULT_JOB_OPTIONS.attempts,
    backoffMs: options.backoffMs ?? DEFAULT_JOB_OPTIONS.backoffMs,
    keepSeconds: options.keepSeconds ?? DEFAULT_JOB_OPTIONS.keepSeconds,
  };
  const url = redisUrl(options.redis);
  await checkRedis(url);
  const name = queueName(options.version);
  const queue = new Queue<PredictJobData, Prediction>(name, { connection: connectionOptions(url), prefix: QUEUE_PREFIX });
  const events = new QueueEvents(name, { connection: connectionOptions(url), prefix: QUEUE_PREFIX });
  const watch = watchRedis([queue, events], {
    url,
    who: 'queue',
    log,
    // The sweep below adds again any job a Redis without persistence lost in its restart.
    kept: () => `${options.kept?.() ?? 'the answers collected so far are kept'}; the jobs sent wait in Redis (any it loses are sent again)`,
    back: 'collecting the answers again',
  });
  const outstanding = new Map<string, KeyedSample>(options.items.map((item) => [jobIdOf(item.key), item]));
  let settle: () => void = () => {};
  const allDone = new Promise<void>((resolve) => (settle = resolve));
  let failure: unknown;
  // Answers are handed on one at a time, in the order they are seen.
  let handing: Promise<void> = Promise.resolve();
  const hand = (step: () => void | Promise<void>) => {
    handing = handing.then(step).catch((err: unknown) => {
      failure ??= err;
      settle();
    });
  };
  const answered = (jobId: string, value: unknown) => {
    const item = outstanding.get(jobId);
    if (!item || value === null || value === undefined) return;
    outstanding.delete(jobId);
    const prediction = (typeof value === 'string' ? JSON.parse(value) : value) as Prediction;
    hand(async () => {
      await options.onAnswer(item, prediction);
      if (outstanding.size === 0) settle();
    });
  };
  const dead = (jobId: string, reason: string, attempts: number) => {
    const item = outstanding.get(jobId);
    if (!item) return;
    outstanding.delete(jobId);
    hand(async () => {
      await options.onDeadLetter(item, reason, attempts);
      if (outstanding.size === 0) settle();
    });
  };
  /** Looks up a finished job; returns true when it was finished (answered or dead). */
  const settleFinished = async (job: Job<PredictJobData, Prediction>): Promise<boolean> => {
    if (!job.finishedOn) return false;
    const state = await job.getState();
    if (state === 'completed') answered(job.id!, job.returnvalue);
    else if (state === 'failed') dead(job.id!, job.failedReason, job.attemptsMade);
    else return false;
    return true;
  };

  try {
    events.on('completed', ({ jobId, returnvalue }) => answered(jobId, returnvalue));
    events.on('failed', ({ jobId }) => {
      if (!outstanding.has(jobId)) return;
      // A failed try that will be retried also says 'failed': only a job in the failed set is dead.
      void Job.fromId<PredictJobData, Prediction>(queue, jobId).then(async (job) => {
        if (job) await settleFinished(job);
      }, (err: unknown) => log(`queue: ${(err as Error).message}`));
    });
    await events.waitUntilReady();

    // What is already there from an earlier run (or another client with the same samples)?
    const toAdd: KeyedSample[] = [];
    let kept = 0;
    let retried = 0;
    let waiting = 0;
    const items = [...outstanding.values()];
    for (let i = 0; i < items.length; i += LOOKUP_BATCH) {
      const batch = items.slice(i, i + LOOKUP_BATCH);
      const jobs = await Promise.all(batch.map((item) => Job.fromId<PredictJobData, Prediction>(queue, jobIdOf(item.key))));
      for (const [k, job] of jobs.entries()) {
        if (!job) {
          toAdd.push(batch[k]);
          continue;
        }
        const state = await job.getState();
        if (state === 'completed') {
          kept++;
          answered(job.id!, job.returnvalue);
        } else if (state === 'failed') {
          retried++;
          await job.retry('failed', { resetAttemptsMade: true });
        } else waiting++;
      }
    }
    for (let i = 0; i < toAdd.length; i += ADD_BATCH) {
      const batch = toAdd.slice(i, i + ADD_BATCH);
      const data = await Promise.all(batch.map((item) => jobData(item, options.version, { inlineImages: options.inlineImages })));
      await queue.addBulk(batch.map((item, k) => ({ name: 'predict', data: data[k], opts: bullJobOptions(item.key, defaults) })));
    }
    log(
      `queue ${QUEUE_PREFIX}:${name} on ${redactUrl(url)}: ${toAdd.length} jobs added, ${kept} answered earlier, ${waiting} already queued, ${retried} dead letters retried`,
    );
    if (outstanding.size === 0) settle();

    // Sweep outstanding jobs now and then; warn while no worker serves this model version.
    let lastWorkerCheck = -Infinity;
    const sweepMs = options.sweepMs ?? 5000;
    const warnMs = options.noWorkerWarningMs ?? 30_000;
    const started = Date.now();
    while (outstanding.size > 0 && failure === undefined) {
      const timer = new Promise<void>((resolve) => setTimeout(resolve, sweepMs).unref());
      await Promise.race([allDone, timer]);
      if (outstanding.size === 0 || failure !== undefined) break;
      const ids = [...outstanding.keys()];
      for (let i = 0; i < ids.length; i += LOOKUP_BATCH) {
        const jobs = await Promise.all(ids.slice(i, i + LOOKUP_BATCH).map((id) => Job.fromId<PredictJobData, Prediction>(queue, id)));
        for (const [k, job] of jobs.entries()) {
          if (job) await settleFinished(job);
          else {
            // Removed (kept past its age, or the queue was cleaned) before we saw it: add it again.
            const item = outstanding.get(ids[i + k]);
            if (item) await queue.add('predict', await jobData(item, options.version, { inlineImages: options.inlineImages }), bullJobOptions(item.key, defaults));
          }
        }
      }
      if (Date.now() - lastWorkerCheck >= warnMs && Date.now() - started >= Math.min(warnMs, 10_000)) {
        lastWorkerCheck = Date.now();
        if ((await queue.getWorkersCount()) === 0) log(await noWorkerMessage(queue, options.version, url));
      }
    }
    await handing;
    if (failure !== undefined) throw failure;
  } finally {
    watch.stop();
    await Promise.allSettled([events.close(), queue.close()]);
  }
}

/** Says that no worker serves `version`, and which versions the running workers do serve (a model roll-out half done, other model folders). */
async function noWorkerMessage(queue: Queue<PredictJobData, Prediction>, version: string, url: string): Promise<string> {
  const head = `queue: no worker serves model version ${version} (queue ${QUEUE_PREFIX}:${queueName(version)})`;
  const start = `start one with the same models as this run: ecommir worker --queue ${redactUrl(url)}`;
  let served: Map<string, number>;
  try {
    served = servedVersions(await queue.getBackend().getClientList());
  } catch {
    // CLIENT LIST may be refused (an ACL, a managed Redis): the rest of the message still holds.
    return `${head}; ${start}`;
  }
  served.delete(version);
  if (served.size === 0) return `${head}, and no ecommir worker is connected to this Redis; ${start}`;
  const others = [...served].map(([v, n]) => `${v} (${n} worker${n === 1 ? '' : 's'})`).join(', ');
  const take = served.size === 1 ? `--model-version ${[...served.keys()][0]}` : '--model-version and one of these';
  return `${head}; the running workers serve model version ${others}. To use them instead, run predict with ${take}; else ${start}`;
}
