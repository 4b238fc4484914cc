// `ecommir predict`: classify every sample of a file with the shipped (or given) models and write a
// challenge submission CSV, or JSON/JSONL with the full ranked predictions. Samples are answered on
// every core (`--concurrency`), or by `ecommir worker`s on other machines through a Redis queue
// (`--queue`); either way the output is the same bytes as a one-at-a-time run. Predictions are
// logged as they are made to `<out>.partial.jsonl` (keyed by sample content and model version), so
// a run stopped by a bad sample, a signal or a crash resumes where it was; samples that could not
// be answered are listed in `<out>.errors.jsonl`, which is always this run's (an earlier run's is
// removed when the work starts). `<out>` itself is replaced only by a complete new output.
import { rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MODEL_FILE } from '../../tasks/model-file.js';
import { availableParallelism, constants as osConstants } from 'node:os';
import { Option, type Command } from 'commander';
import type { CommandContext } from '../main.js';
import { addDataFile, dataFileOf, type WithOptionalData } from '../data-file.js';
import { checkOutFile } from '../out-path.js';
import { describeItem, EcommirError } from '../../errors.js';
import { DEFAULT_INPUT_LIMITS } from '../../data/input-limits.js';
import { loadSamples } from '../../data/load.js';
import { problemFromError, skippedRecord, type Problem } from '../../data/problem.js';
import { formatFromPath, writePredictions, type PredictionFormat } from '../../data/submission.js';
import { writeWhole } from '../../data/whole-file.js';
import { cacheDir } from '../../features/cache.js';
import { Progress } from '../../features/progress.js';
import { addBackendOptions, backendSelection, type BackendFlags } from '../backend-options.js';
import { forEachConcurrent, keySamples, localPredictor, predictionFor, PredictionLog, uniqueByKey, type KeyedSample } from '../../runtime/batch-predict.js';
import { modelIdentity } from '../../runtime/identity.js';
import { batchLaneOf, laneOf } from '../../runtime/lanes.js';
import { DEFAULT_MLLM_CONCURRENCY } from '../../backends/mllm/concurrency.js';
import { loadsEmbeddedModels } from '../../backends/select.js';
import { checkRedis, DEFAULT_JOB_OPTIONS, redisUrl } from '../../queue/jobs.js';
import type { Prediction } from '../../types.js';
import { intOption, numberOption, workerCountOption } from '../number-option.js';

export interface PredictFlags extends BackendFlags {
  data: string;
  images?: string;
  out: string;
  format?: PredictionFormat;
  sceneModel?: string;
  intentModel?: string;
  skipBad?: boolean;
  progress: boolean;
  concurrency?: string;
  queue?: string;
  inlineImages?: boolean;
  attempts: string;
  backoffMs: string;
  keepHours: string;
  modelVersion?: string;
}

export function registerPredictCommand(program: Command, ctx: CommandContext): void {
  const command = addDataFile(
    program
      .command('predict')
      .description('Classify every sample of a data file and write the predictions (challenge submission CSV, or JSON/JSONL with the full ranked predictions).'),
    'challenge JSON, or native JSON / JSONL',
  )
    .option('--images <dir>', 'folder the image names are resolved against (default: images/ next to the data file, else the data file’s folder)')
    .requiredOption('--out <file>', 'where to write the predictions')
    .addOption(new Option('--format <format>', 'output format (default: from the --out extension, else csv)').choices(['csv', 'json', 'jsonl']))
    .option('--scene-model <dir>', 'scene model folder (default: the shipped models/scene)')
    .option('--intent-model <dir>', 'intent model folder (default: the shipped models/intent)')
    .option('--skip-bad', 'report bad records and predict the rest (their rows are left out)')
    .option('--concurrency <n>', `workers on this machine (1: in this process, one sample at a time); default the cores (${availableParallelism()})`)
    .option('--queue <redis-url>', 'send the samples to `ecommir worker`s through this Redis (e.g. redis://127.0.0.1:6379; HOST:PORT is taken as redis://HOST:PORT) instead of predicting here')
    .option('--inline-images', 'queue: put the image bytes in the jobs (for workers that cannot read the image paths)')
    .option('--attempts <n>', 'queue: tries of a sample before it is a dead letter', String(DEFAULT_JOB_OPTIONS.attempts))
    .option('--backoff-ms <ms>', 'queue: wait before the first retry, doubling after each', String(DEFAULT_JOB_OPTIONS.backoffMs))
    .option('--keep-hours <h>', 'queue: answers stay in Redis this long, so a re-run within it costs nothing', String(DEFAULT_JOB_OPTIONS.keepSeconds / 3600))
    .option('--model-version <v>', 'queue: the model version to ask for (default: that of the model files given here)')
    .option('--no-progress', 'no progress line on stderr');
  addBackendOptions(command).action(async (file: string | undefined, parsed: WithOptionalData<PredictFlags>) => {
    ctx.exitCode = await predict({ ...parsed, data: dataFileOf(file, parsed.data) });
  });
}

async function predict(flags: PredictFlags): Promise<number> {
  const format = flags.format ?? formatFromPath(flags.out);
  const concurrency = workerCountOption(flags.concurrency, '--concurrency', availableParallelism());
  const attempts = intOption(flags.attempts, '--attempts', { fallback: DEFAULT_JOB_OPTIONS.attempts });
  const backoffMs = intOption(flags.backoffMs, '--backoff-ms', { fallback: DEFAULT_JOB_OPTIONS.backoffMs });
  const keepHours = numberOption(flags.keepHours, '--keep-hours', { above: 0 });
  const selection = backendSelection(flags, { sceneModel: flags.sceneModel, intentModel: flags.intentModel });
  // Named by the flag the user typed (it was called --redis); HOST:PORT is taken as redis://HOST:PORT.
  if (flags.queue !== undefined) flags = { ...flags, queue: redisUrl(flags.queue, '--queue') };
  const earlier = await checkOutFile(flags.out, [{ path: flags.data, what: 'the data file' }], 'predictions.csv');
  // The errors file is this run's or none: an earlier run's list must not sit beside an output it does
  // not describe once this run fails. The earlier output itself is kept until the new one replaces it.
  const errorsFile = `${flags.out}.errors.jsonl`;
  await rm(errorsFile, { force: true });
  try {
    return await predictTo(flags, format, selection, errorsFile, { concurrency, attempts, backoffMs, keepHours });
  } catch (err) {
    if (earlier) process.stderr.write(`ecommir: this run failed; ${flags.out} is left from an earlier run\n`);
    throw err;
  }
}

async function predictTo(
  flags: PredictFlags,
  format: PredictionFormat,
  selection: ReturnType<typeof backendSelection>,
  errorsFile: string,
  { concurrency, attempts, backoffMs, keepHours }: { concurrency: number; attempts: number; backoffMs: number; keepHours: number },
): Promise<number> {
  // Before anything is read or written: an unreachable Redis left an empty OUT.partial.jsonl behind.
  if (flags.queue) await checkRedis(flags.queue);
  // The input limits of the HTTP API, with the same errors (text first, then image headers), each
  // image's header read once.
  const loaded = await loadSamples(flags.data, { imagesDir: flags.images, checkImages: true, inputLimits: DEFAULT_INPUT_LIMITS, skipBad: flags.skipBad });
  for (const p of loaded.problems) process.stderr.write(`ecommir: skipped ${p.message}\n`);
  const problems: (Problem & { attempts?: number })[] = [...loaded.problems];
  /**
   * A bad sample (a client error), or one the backend's model gave no answer for, that --skip-bad
   * leaves out; anything else ends the run. Without the second, one sample a model answers off the
   * label set on every call stopped every run, resumed or not.
   */
  const skippable = (err: unknown): err is EcommirError => flags.skipBad === true && err instanceof EcommirError && (err.statusCode < 500 || err.code === 'ECM_ERR_NO_ANSWER');
  /** A bad sample: skipped and reported with --skip-bad, else the end of the run. */
  const skipOrThrow = (err: unknown): void => {
    if (!skippable(err)) throw err;
    process.stderr.write(`ecommir: skipped ${err.message}\n`);
    problems.push(problemFromError(err));
  };
  const samples = loaded.samples;
  // The scene model reads images only: scene samples, and the user's images for an intent model that
  // looks at them. Data without any image does not use it, though its file still enters the model
  // version (so a resumed run or a queue's workers see the difference). A folder without a model is
  // refused further on, so it gets that error alone. Where no embedded model is loaded (an LLM alone),
  // the flag is named as doing nothing (cli/ignored-flags.ts), and its file enters no version.
  if (flags.sceneModel !== undefined && loadsEmbeddedModels(selection) && samples.length > 0 && !samples.some((s) => laneOf(s) === 'image') && existsSync(join(flags.sceneModel, MODEL_FILE))) {
    process.stderr.write('ecommir: --scene-model is not used to predict this data: no sample has an image (its model file still enters the model version, which keys resumed runs and the queue)\n');
  }

  // A local run's workers parse the model files as read for the version (a worker replaced mid-run,
  // after a timeout, serves it, not a file written since); a queue's workers read their own.
  const identity = flags.queue && flags.modelVersion !== undefined ? undefined : await modelIdentity(selection);
  const version = flags.modelVersion ?? identity!.version;
  const keyed = await keySamples(samples, version, { onError: (_sample, err) => skipOrThrow(err) });
  const partial = `${flags.out}.partial.jsonl`;
  const log = await PredictionLog.open(partial);
  const resumed = keyed.filter((k) => log.done.has(k.key)).length;
  if (resumed > 0) process.stderr.write(`ecommir: resuming: ${resumed} of ${keyed.length} predictions read from ${partial}\n`);
  const todo = uniqueByKey(keyed).filter((k) => !log.done.has(k.key));
  const copies = new Map<string, number>();
  for (const k of keyed) copies.set(k.key, (copies.get(k.key) ?? 0) + 1);
  const progress = new Progress({ total: keyed.length, label: 'predict', enabled: flags.progress });
  if (resumed > 0) progress.tick(resumed);
  const failedKeys = new Set<string>();

  const answeredHere = () => keyed.filter((k) => log.done.has(k.key)).length;
  const kept = () => `${answeredHere()} of ${keyed.length} predictions are kept in ${partial}`;
  // Stopped by a signal: say what is kept and how to go on, then die of the signal as before (130 for
  // Ctrl-C). Queued jobs go on without us, so the queue's log is flushed first; a local run's log is
  // read back whole up to a torn last line, so it is left as it is.
  let stopping = false;
  const interrupted = (signal: NodeJS.Signals) => {
    stopping = true;
    void (async () => {
      if (flags.queue) await log.close().catch(() => {});
      const what = answeredHere() > 0 ? kept() : flags.queue ? 'no prediction had come back yet' : 'no prediction had been made yet';
      if (flags.queue && answeredHere() === 0) await removeIfEmpty(partial);
      const queued = flags.queue ? `, and the jobs sent stay on the queue (their answers kept ${keepHours} h in Redis)` : '';
      process.stderr.write(`${process.stderr.isTTY ? '\n' : ''}ecommir: ${signal}: stopped; ${what}${queued}; run the same command again to resume\n`);
    })()
      .catch(() => {})
      .finally(() => {
        process.kill(process.pid, signal);
        // Only if another listener of the signal kept the process alive. Referenced: the run's wait
        // below holds nothing, and the process must not end as if it had finished.
        setTimeout(() => process.exit(128 + osConstants.signals[signal]), 1000);
      });
  };
  const onSigint = () => interrupted('SIGINT');
  const onSigterm = () => interrupted('SIGTERM');
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigterm);

  try {
    if (flags.queue) {
      try {
        const { runOnQueue } = await import('../../queue/client.js');
        await runOnQueue({
          redis: flags.queue,
          version,
          items: todo,
          inlineImages: flags.inlineImages,
          attempts,
          backoffMs,
          keepSeconds: Math.round(keepHours * 3600),
          kept,
          onAnswer: async (item, prediction) => {
            if (stopping) return;
            await log.append(item.key, predictionFor(item.sample, prediction));
            progress.tick(copies.get(item.key));
          },
          onDeadLetter: (item, reason, tries) => {
            failedKeys.add(item.key);
            for (const k of keyed.filter((x) => x.key === item.key)) {
              const item_ = { id: k.sample.id, index: k.sample.index };
              problems.push({ code: codeOf(reason), message: `record #${item_.index}, id ${item_.id}: ${reason}`, item: item_, attempts: tries });
            }
            process.stderr.write(`ecommir: record #${item.sample.index}, id ${item.sample.id} failed after ${tries} tries: ${reason}\n`);
            progress.tick(copies.get(item.key), { failed: true });
          },
        });
      } catch (err) {
        // A log with answers is where a re-run resumes; an empty one (a failed start) is of use to no one.
        await log.close().then(() => removeIfEmpty(partial), () => {});
        throw err;
      }
    } else {
      await predictHere(todo, keyed, identity?.selection ?? selection, { concurrency, file: loaded.file, announce: flags.progress }, log, progress, copies, (item, err) => {
        if (!skippable(err)) throw err;
        // An error from a worker process comes back without its item, and copies of the sample (same
        // content, other ids) are left out with it: each is listed under its own record.
        for (const k of keyed.filter((x) => x.key === item.key)) {
          const ref = { id: k.sample.id, index: k.sample.index };
          const message = k === item ? err.message : `${describeItem(ref)}: ${err.message}`;
          process.stderr.write(`ecommir: skipped ${message}\n`);
          problems.push({ code: err.code, message, item: ref });
        }
        failedKeys.add(item.key);
        progress.tick(copies.get(item.key), { failed: true });
      });
    }
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
    await log.close();
  }
  // Stopped: the work that finished meanwhile must not be written as a whole output (answers that came
  // in after the signal were not logged), nor its log removed; the signal ends the process.
  if (stopping) await new Promise<never>(() => {});
  progress.finish();

  if (problems.length > 0) await writeWhole(errorsFile, problems.map((p) => JSON.stringify(skippedRecord(p))).join('\n') + '\n');
  if (failedKeys.size > 0 && !flags.skipBad) {
    process.stderr.write(`ecommir: ${failedKeys.size} samples could not be answered (listed in ${errorsFile}); ${flags.out} is not written. Run again to retry them, or pass --skip-bad to write the rest.\n`);
    return 1;
  }
  const answered = keyed.filter((k) => log.done.has(k.key));
  const predictions: Prediction[] = answered.map((k) => predictionFor(k.sample, log.done.get(k.key)!));
  await writePredictions(
    flags.out,
    answered.map((k) => k.sample),
    predictions,
    format,
  );
  await log.remove();
  const counts = ['scene', 'intent'].map((t) => `${predictions.filter((p) => p.task === t).length} ${t}`).join(', ');
  process.stderr.write(`ecommir: wrote ${predictions.length} predictions (${counts}) to ${flags.out}${problems.length ? `; ${problems.length} problems in ${errorsFile}` : ''}\n`);
  return problems.length > 0 ? 1 : 0;
}

/** Deletes a prediction log with nothing in it. */
async function removeIfEmpty(path: string): Promise<void> {
  if ((await stat(path).catch(() => undefined))?.size === 0) await rm(path, { force: true });
}

/** The error code a dead letter's reason names (`… [ECM_ERR_X]`), else a backend failure. */
function codeOf(reason: string): Problem['code'] {
  return (/\[(ECM_ERR_[A-Z_]+)\]\s*$/.exec(reason)?.[1] as Problem['code'] | undefined) ?? 'ECM_ERR_BACKEND';
}

/** Predicts the samples on this machine, logging each prediction as it is made. */
async function predictHere(
  todo: readonly KeyedSample[],
  keyed: readonly KeyedSample[],
  selection: ReturnType<typeof backendSelection>,
  { concurrency, file, announce }: { concurrency: number; file: string; announce: boolean },
  log: PredictionLog,
  progress: Progress,
  copies: ReadonlyMap<string, number>,
  onError: (item: KeyedSample, err: unknown) => void,
): Promise<void> {
  if (todo.length === 0) return;
  // Dialogues with images start on the text lane; if the model reads their images, the image lane starts at the first one.
  const lanes = [...new Set(todo.map((k) => batchLaneOf(k.sample, false)))];
  const predictor = await localPredictor(selection, { concurrency, lanes, file });
  try {
    const read = todo.filter((k) => k.sample.images.length > 0 && batchLaneOf(k.sample, predictor.readsImages.includes(k.sample.task)) === 'image').length;
    if (read > 0 && announce) {
      // Said before the long part starts: a first run reads every image with OCR, which dominates the time.
      const minutes = Math.max(1, Math.round((read * 0.75) / 60 / Math.max(1, concurrency)));
      process.stderr.write(
        `ecommir: ${todo.length} samples to answer, ${read} of them with images the models read: a first run reads each image with OCR ` +
          `(about 0.5–1 s an image a core, so about ${minutes} min for these); the features are cached (${cacheDir()}), so a second run is quick\n`,
      );
    }
    for (const task of new Set(keyed.map((k) => k.sample.task))) {
      if (predictor.tasks[task]) continue;
      const given = task === 'scene' ? selection.sceneModel : selection.intentModel;
      const where = given ? `none in ${resolve(given)} (--${task}-model): it needs a ${MODEL_FILE} that \`ecommir train ${task}\` writes` : `none was found (pass --${task}-model DIR)`;
      throw new EcommirError('ECM_ERR_NO_MODEL', `the data has ${task} samples but no ${task} model: ${where}`, { statusCode: 503 });
    }
    // Twice the workers in flight: a worker never waits for the next sample to be handed over. An mllm
    // backend's work is the server's: as many samples as --mllm-concurrency allows requests.
    const inFlight = selection.backend === 'mllm' ? (selection.concurrency ?? DEFAULT_MLLM_CONCURRENCY) : concurrency === 1 ? 1 : 2 * concurrency * lanes.length;
    await forEachConcurrent(todo.length, inFlight, async (i) => {
      const item = todo[i];
      let prediction: Prediction;
      try {
        prediction = await predictor.predict(item.sample);
      } catch (err) {
        onError(item, err);
        return;
      }
      await log.append(item.key, predictionFor(item.sample, prediction));
      progress.tick(copies.get(item.key));
    });
  } finally {
    await predictor.close();
  }
}
