// `ecommir worker --redis URL`: answers `predict --queue` jobs of its model version until stopped.
// SIGTERM or SIGINT finishes the jobs in hand, then exits; a worker killed outright loses nothing:
// its jobs go back to the queue once their locks expire (see src/queue/worker.ts).
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { EcommirError } from '../../errors.js';
import { redactUrl, redisUrl } from '../../queue/jobs.js';
import { addBackendOptions, backendSelection, type BackendFlags } from '../backend-options.js';
import type { CommandContext } from '../main.js';
import { intOption, workerCountOption } from '../number-option.js';

interface WorkerFlags extends BackendFlags {
  redis?: string;
  queue?: string;
  concurrency?: string;
  sceneModel?: string;
  intentModel?: string;
  lockMs: string;
  stalledMs: string;
  name?: string;
}

export function registerWorkerCommand(program: Command, ctx: CommandContext): void {
  const command = program
    .command('worker')
    .description('Answer prediction jobs from a Redis queue (sent by `ecommir predict --queue`) with these models, until stopped.')
    .option('--redis <url>', 'the Redis of the queue, e.g. redis://127.0.0.1:6379 (HOST:PORT is taken as redis://HOST:PORT)')
    // The name `predict --queue` gives the same URL: a user who just typed it there types it here too.
    .option('--queue <url>', 'the same as --redis')
    .option('--concurrency <n>', `samples at once (workers on this machine); default the cores (${availableParallelism()})`)
    .option('--scene-model <dir>', 'scene model folder (default: the shipped models/scene)')
    .option('--intent-model <dir>', 'intent model folder (default: the shipped models/intent)')
    .option('--lock-ms <ms>', 'a job is taken back from a worker that stops renewing its lock for this long', '30000')
    .option('--stalled-ms <ms>', 'how often jobs of dead workers are looked for', '30000')
    .option('--name <name>', 'this worker in Redis (default ecommir-worker-HOST-PID)');
  addBackendOptions(command).action(async (flags: WorkerFlags) => {
    // Checked here, where the flag the user typed is known (and before the models load).
    const fromRedis = flags.redis === undefined ? undefined : redisUrl(flags.redis, '--redis');
    const fromQueue = flags.queue === undefined ? undefined : redisUrl(flags.queue, '--queue');
    if (fromRedis !== undefined && fromQueue !== undefined && fromRedis !== fromQueue) {
      throw new EcommirError('ECM_ERR_BAD_OPTION', `--redis ${redactUrl(fromRedis)} and --queue ${redactUrl(fromQueue)} name two Redis servers; give one`);
    }
    const redis = fromRedis ?? fromQueue;
    if (redis === undefined) throw new EcommirError('ECM_ERR_BAD_OPTION', 'give the Redis of the queue: --redis URL (or --queue URL, as predict takes it), e.g. redis://127.0.0.1:6379');
    const { startQueueWorker } = await import('../../queue/worker.js');
    const worker = await startQueueWorker({
      redis,
      selection: backendSelection(flags, { sceneModel: flags.sceneModel, intentModel: flags.intentModel }),
      concurrency: workerCountOption(flags.concurrency, '--concurrency', availableParallelism()),
      lockDurationMs: intOption(flags.lockMs, '--lock-ms', { min: 1000, fallback: 30_000 }),
      stalledIntervalMs: intOption(flags.stalledMs, '--stalled-ms', { min: 500, fallback: 30_000 }),
      name: flags.name,
    });
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        process.stderr.write(`worker: ${signal}: finishing the jobs in hand\n`);
        resolve();
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    await worker.close();
    process.stderr.write('worker: stopped\n');
    ctx.exitCode = 0;
  });
}
