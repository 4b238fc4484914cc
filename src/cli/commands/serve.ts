// `ecommir serve`: the HTTP service and its web page. A model it was told to load (the shipped ones by
// default, or --scene-model / --intent-model) that is not there stops the start-up with an error; with
// --allow-missing-models it starts anyway and reports not ready (503 on /readyz and on the classify
// endpoints) — it never falls back to a fake.
// Recognisers run in workers, never on the event loop: a text lane (threads) for dialogues without
// images, or with small images the model does not read, and an image lane (processes) for screenshots
// and the other dialogues (src/runtime/lanes.ts).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { EcommirError } from '../../errors.js';
import { cacheDir, type FeatureCacheOptions } from '../../features/cache.js';
import { formatDuration } from '../../features/progress.js';
import { DEFAULT_IMAGE_NICE } from '../../runtime/lanes.js';
import { backendSource, type RecognizerSource } from '../../runtime/source.js';
import { warmsUp } from '../../runtime/batch-predict.js';
import { loadApiKeys, resolveAuthPolicy, sharedSamplesWarning } from '../../server/auth.js';
import { buildApp, runtimeOf } from '../../server/app.js';
import { DEFAULT_SERVER_LIMITS } from '../../server/options.js';
import { DEFAULT_MODELS_DIR, type ModelFiles } from '../../tasks/default-models.js';
import { MODEL_FILE } from '../../tasks/model-file.js';
import { watchLauncher, type LauncherWatch } from '../launcher.js';
import { DEFAULT_MAX_AGE_DAYS, DEFAULT_MAX_IMAGE_BYTES, FeedbackStore } from '../../feedback/store.js';
import { SwappableRuntime, type ModelFolders, type ServedBackend } from '../../runtime/swap.js';
import { backendTasks, embeddedTasks, loadsEmbeddedModels, type BackendSelection } from '../../backends/select.js';
import { backendDigest } from '../../runtime/identity.js';
import { TASKS, type Task } from '../../types.js';
import type { CommandContext } from '../main.js';
import { addBackendOptions, backendSelection, type BackendFlags } from '../backend-options.js';
import { intOption, workerCountOption } from '../number-option.js';

export interface ServeDependencies {
  /**
   * Where the workers load their recognisers from, given the model folders (missing ones are simply
   * absent: their endpoint answers 503) and the model files as read for their versions (SwappableRuntimeOptions.build).
   */
  source: (flags: ServeFlags, models: ModelFolders, files?: ModelFiles) => RecognizerSource;
}

/** How often a slow start says it is still loading, ms. */
const START_PROGRESS_MS = 15_000;

// Default: the shipped embedded models (models/scene, models/intent), or the backend --backend names.
const DEFAULT_DEPENDENCIES: ServeDependencies = {
  source: (flags, models, files) =>
    backendSource({ ...backendSelection(flags, { sceneModel: models.scene, intentModel: models.intent }), allowMissingModels: flags.allowMissingModels === true, ...(files ? { modelFiles: files } : {}) }),
};

export interface ServeFlags extends BackendFlags {
  sceneModel?: string;
  intentModel?: string;
  allowMissingModels?: boolean;
  port: string;
  host: string;
  apiKeysFile?: string;
  reviewerKeysFile?: string;
  allowAnonymousLocalhost?: boolean;
  textWorkers?: string;
  imageWorkers?: string;
  textQueue?: string;
  imageQueue?: string;
  timeoutMs?: string;
  reloadTimeoutMs?: string;
  startTimeoutMs?: string;
  rateLimit?: string;
  maxConnections?: string;
  imageNice: string;
  imageIdle: boolean;
  cache: 'disk' | 'memory' | 'off';
  cacheDir?: string;
  cacheMaxMb: string;
  adminKeysFile?: string;
  feedbackDb?: string;
  feedbackMaxAgeDays: string;
  feedbackMaxImageMb: string;
}

const CACHE_HELP = `
The feature cache (what is stored, where, for how long):
  For each uploaded image the service keeps what it read off it, so a repeated upload is answered
  without OCR: the OCR lines (text, boxes, confidences), the layout vector and the image embedding,
  keyed by the SHA-256 of the image bytes. The image itself is never stored. Entries stay until the
  cache passes --cache-max-mb, then the least recently used are removed; none outlives its eviction.
  --cache disk (default): files 0600 in a 0700 folder, $ECOMMIR_CACHE_DIR/serve or ~/.cache/ecommir/serve
    unless --cache-dir is given; kept across restarts. Delete the folder to forget everything.
  --cache memory: in the image workers' memory only (each worker up to --cache-max-mb), gone when
    the service stops.
  --cache off: nothing is kept; every image is read again.
`;

const FEEDBACK_HELP = `
The feedback database (--feedback-db FILE, what is stored, where, for how long):
  Every prediction is stored under the requestId of its answer: the dialogue's text, or the image
  (files named by SHA-256 in FILE-images/, folder 0700, files 0600), the model's ranked labels,
  its confidence and version, and a keyed hash of the caller's API key (never the key). People's
  corrections (POST /v1/feedback) are kept with their history. Unlabelled samples are deleted after
  --feedback-max-age-days, and the oldest unlabelled ones first when the images pass
  --feedback-max-image-mb; labelled samples are kept. \`ecommir feedback export\` writes them as
  training data. Delete FILE, FILE-wal, FILE-shm and FILE-images/ to forget everything.
Reviewers: without --reviewer-keys-file every key reads, relabels and undoes every stored sample.
  With it, a key of that file (or the keyless local page) still does; any other key reads, corrects
  and undoes only the requests made with it (another's is 404, as an unknown one), fetches only the
  stored images it sent itself (another's is 404), and gets 403 on GET /v1/review.
Model swaps: SIGHUP (or POST /v1/admin/reload with an admin key) loads the model folders again —
  or the ones the body names —, checks them and swaps them in without dropping a request; the
  previous ones stay ready for POST /v1/admin/rollback.
`;

export function registerServeCommand(program: Command, ctx: CommandContext, deps: ServeDependencies = DEFAULT_DEPENDENCIES): void {
  const d = DEFAULT_SERVER_LIMITS;
  const command = program
    .command('serve')
    .description('Run the HTTP API (/v1/scene, /v1/intent, /v1/batch) and the web page at /')
    .option('--port <n>', 'TCP port', '8080')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--api-keys-file <file>', `API keys, one a line, at least 16 characters; # starts a comment line (also read: ECOMMIR_API_KEYS, comma-separated)`)
    .option(
      '--reviewer-keys-file <file>',
      'keys that may review and relabel every stored sample, read like --api-keys-file (also read: ECOMMIR_REVIEWER_KEYS); they are API keys too, and with them the other keys see only their own requests',
    )
    .option('--allow-anonymous-localhost', 'let requests from this machine (the web page) in without a key')
    .option('--text-workers <n>', `worker threads for dialogues, their images checked there when the model reads none and they are small (default ${d.textConcurrency})`)
    .option('--image-workers <n>', `worker processes for screenshots and dialogues whose images are read or large (default ${d.imageConcurrency})`)
    .option('--text-queue <n>', `text requests allowed to wait; more get 503 (default ${d.textMaxQueue})`)
    .option('--image-queue <n>', `image requests allowed to wait; more get 503 (default ${d.imageMaxQueue})`)
    .option('--image-nice <n>', 'priority of the image workers below the text lane (nice increment, 0–19; 0 = equal): what holds where SCHED_IDLE does not (see --no-image-idle)', String(DEFAULT_IMAGE_NICE))
    .option('--no-image-idle', 'do not run the image workers under Linux\'s SCHED_IDLE policy (by default they do where chrt can: a thread at normal priority that wakes takes their core at once)')
    .option('--timeout-ms <n>', `deadline of one request, ms; a worker still busy then is stopped (default ${d.timeoutMs})`)
    .option('--reload-timeout-ms <n>', `deadline of a model reload's start (new workers loaded and warmed up), ms; past it 504 and the models in service stay (default ${d.reloadTimeoutMs})`)
    .option('--start-timeout-ms <n>', `deadline of the service's own start (its workers loaded and warmed up), ms; past it the start fails, exit code 4; 0 = none (default ${d.startTimeoutMs})`)
    .option('--rate-limit <n>', `requests a minute per API key (or address without one); 0 = no limit (default ${d.rateLimitPerMinute})`)
    .option('--max-connections <n>', `open connections in all (default ${d.maxConnections}; ${d.maxConnectionsPerAddress} per address)`)
    .addOption(new Option('--cache <where>', 'feature cache of uploaded images (see below)').choices(['disk', 'memory', 'off']).default('disk'))
    .option('--cache-dir <dir>', 'folder of the disk cache (created 0700)')
    .option('--cache-max-mb <n>', 'size cap of the feature cache, MiB', '256')
    .option('--scene-model <dir>', 'embedded scene model folder (default: the shipped models/scene)')
    .option('--intent-model <dir>', 'embedded intent model folder (default: the shipped models/intent)')
    .option('--allow-missing-models', 'start even when a model folder has no model (its endpoints answer 503 ECM_ERR_NO_MODEL); without it a missing model stops the start-up')
        .option('--admin-keys-file <file>', 'keys of POST /v1/admin/reload and /v1/admin/rollback, one a line (also read: ECOMMIR_ADMIN_KEYS); SIGHUP reloads without one')
    .option('--feedback-db <file>', 'store every prediction and take corrections in this SQLite database (POST /v1/feedback, GET /v1/review, the Review tab); off by default')
    .option('--feedback-max-age-days <n>', 'delete unlabelled stored samples older than this; 0 keeps them (labelled ones are always kept)', String(DEFAULT_MAX_AGE_DAYS))
    .option('--feedback-max-image-mb <n>', 'size cap of the stored images, MiB; past it the oldest unlabelled samples are deleted', String(DEFAULT_MAX_IMAGE_BYTES / 1024 / 1024))
    .addHelpText('after', CACHE_HELP + FEEDBACK_HELP);
  addBackendOptions(command).action(async (flags: ServeFlags) => {
    ctx.exitCode = await serve(flags, deps);
  });
}

function cacheOptions(flags: ServeFlags): FeatureCacheOptions {
  const maxBytes = intOption(flags.cacheMaxMb, '--cache-max-mb', { min: 1 }) * 1024 * 1024;
  if (flags.cache === 'off') return { disabled: true };
  if (flags.cache === 'memory') return { memoryOnly: true, maxBytes };
  return { dir: path.resolve(flags.cacheDir ?? path.join(cacheDir(), 'serve')), maxBytes };
}

/** A task's embedded model folder, with the flag that named it. */
function embeddedModelFolder(flags: ServeFlags, task: Task): { task: Task; dir: string; flag: string } {
  const given = task === 'scene' ? flags.sceneModel : flags.intentModel;
  return { task, dir: path.resolve(given ?? path.join(DEFAULT_MODELS_DIR, task)), flag: given ? `--${task}-model` : 'the shipped model' };
}

/**
 * The model folders served (read for versions, pinned, reloaded), with the flag that named each: both
 * tasks' whenever the embedded models are loaded (createRecognizers loads both or neither; an intent
 * model that reads images describes them with the scene model), none when a big-model backend answers
 * every task alone.
 */
export function servedFolders(flags: ServeFlags, selection: BackendSelection): { task: Task; dir: string; flag: string }[] {
  return loadsEmbeddedModels(selection) ? TASKS.map((task) => embeddedModelFolder(flags, task)) : [];
}

/**
 * The tasks a big-model backend answers, with what stands for its weights (SwappableRuntimeOptions.backends),
 * read again before each build: for clip the CLIP folders hashed whole, a few seconds for a large one.
 */
export function servedBackends(selection: BackendSelection): () => Promise<Partial<Record<Task, ServedBackend>>> {
  const embedded = embeddedTasks(selection);
  const tasks = backendTasks(selection);
  return async () => {
    if (tasks.length === 0) return {};
    const digest = await backendDigest(selection);
    return Object.fromEntries(tasks.map((task) => [task, { name: selection.backend, alone: !embedded.includes(task), digest }]));
  };
}

function missingModel(task: string, where: string): EcommirError {
  return new EcommirError(
    'ECM_ERR_NO_MODEL',
    `no ${task} model: ${where}. Give a folder holding a trained model (ecommir train ${task} --out DIR), or pass --allow-missing-models to start without it (its endpoints then answer 503)`,
  );
}

async function serve(flags: ServeFlags, deps: ServeDependencies): Promise<number> {
  const port = intOption(flags.port, '--port', { min: 0 });
  if (port > 65535) throw new EcommirError('ECM_ERR_BAD_OPTION', `--port must be a TCP port, 0–65535, got ${flags.port}`);
  const selection = backendSelection(flags);
  if (!flags.allowMissingModels) {
    // Checked before any worker starts: a typo in a folder name fails in a second, not after the load
    // (which requires every folder it is given).
    for (const { task, dir, flag } of servedFolders(flags, selection)) {
      if (!existsSync(dir)) throw missingModel(task, `${dir} (${flag}) does not exist`);
      if (!existsSync(path.join(dir, MODEL_FILE))) throw missingModel(task, `${dir} (${flag}) has no ${MODEL_FILE}`);
    }
  }
  const apiKeys = await loadApiKeys(process.env.ECOMMIR_API_KEYS, flags.apiKeysFile);
  const reviewerKeys = await loadApiKeys(process.env.ECOMMIR_REVIEWER_KEYS, flags.reviewerKeysFile, 'ECOMMIR_REVIEWER_KEYS', 'reviewer');
  const auth = resolveAuthPolicy({ apiKeys, reviewerKeys, host: flags.host, allowAnonymousLocalhost: flags.allowAnonymousLocalhost === true });
  const adminKeys = await loadApiKeys(process.env.ECOMMIR_ADMIN_KEYS, flags.adminKeysFile, 'ECOMMIR_ADMIN_KEYS');
  const models: ModelFolders = Object.fromEntries(servedFolders(flags, selection).map(({ task, dir }) => [task, dir]));
  // Read before the feedback store opens: a bad value then leaves nothing open.
  const startTimeoutMs = intOption(flags.startTimeoutMs, '--start-timeout-ms', { min: 0, fallback: undefined });
  const feedback = flags.feedbackDb
    ? FeedbackStore.open({
        path: path.resolve(flags.feedbackDb),
        maxAgeDays: intOption(flags.feedbackMaxAgeDays, '--feedback-max-age-days', { min: 0 }),
        maxImageBytes: intOption(flags.feedbackMaxImageMb, '--feedback-max-image-mb', { min: 1 }) * 1024 * 1024,
      })
    : undefined;
  // A start takes a few seconds on an idle machine; a busy one can starve the image worker (by default
  // it runs at idle priority), and the wait said nothing. Now it says how long it has waited, and until when.
  const started = Date.now();
  const waiting = setInterval(() => {
    const limit = startTimeoutMs ?? DEFAULT_SERVER_LIMITS.startTimeoutMs;
    const until = limit === 0 ? 'it has no deadline' : `it gives up after ${formatDuration(limit)}`;
    process.stderr.write(`ecommir: still starting the model workers, ${formatDuration(Date.now() - started)} so far (a few seconds on an idle machine; other work on it delays them); ${until} (--start-timeout-ms)\n`);
  }, START_PROGRESS_MS);
  waiting.unref();
  let app: Awaited<ReturnType<typeof buildApp>>;
  try {
    app = await buildApp({
      workers: {
        source: deps.source(flags, models),
        models,
        sourceFor: (folders, files) => deps.source(flags, folders, files),
        cache: cacheOptions(flags),
        imageNice: Math.min(19, intOption(flags.imageNice, '--image-nice', { min: 0 })),
        imageIdle: flags.imageIdle,
        warmUp: warmsUp(selection),
        backends: servedBackends(selection),
      },
      auth,
      adminKeys,
      feedback,
      logger: true,
      limits: {
        textConcurrency: intOption(flags.textWorkers, '--text-workers', { min: 1, fallback: undefined }),
        imageConcurrency: workerCountOption(flags.imageWorkers, '--image-workers', DEFAULT_SERVER_LIMITS.imageConcurrency),
        textMaxQueue: intOption(flags.textQueue, '--text-queue', { min: 0, fallback: undefined }),
        imageMaxQueue: intOption(flags.imageQueue, '--image-queue', { min: 0, fallback: undefined }),
        timeoutMs: intOption(flags.timeoutMs, '--timeout-ms', { min: 1, fallback: undefined }),
        reloadTimeoutMs: intOption(flags.reloadTimeoutMs, '--reload-timeout-ms', { min: 1, fallback: undefined }),
        startTimeoutMs,
        rateLimitPerMinute: intOption(flags.rateLimit, '--rate-limit', { min: 0, fallback: undefined }),
        maxConnections: intOption(flags.maxConnections, '--max-connections', { min: 1, fallback: undefined }),
      },
    });
  } catch (err) {
    feedback?.close(); // the app that would have closed it on its own close was not built
    throw err;
  } finally {
    clearInterval(waiting);
  }
  const tasks = ((await app.inject({ method: 'GET', url: '/readyz' })).json() as { tasks: Record<'scene' | 'intent', boolean> }).tasks;
  const missing = (['scene', 'intent'] as const).filter((task) => !tasks[task]);
  if (missing.length > 0 && !flags.allowMissingModels) {
    await app.close();
    throw missingModel(missing.join(' and '), `the ${flags.backend} backend loaded none`);
  }
  if (missing.length > 0) app.log.warn(`no model loaded for ${missing.join(', ')}: /readyz and those endpoints answer 503 ECM_ERR_NO_MODEL`);
  if (auth.apiKeys.length + auth.reviewerKeys.length === 0) app.log.warn('no API keys configured: only callers on this machine can use the API');
  const shared = sharedSamplesWarning({ apiKeys: auth.apiKeys, reviewerKeys: auth.reviewerKeys, feedback: feedback !== undefined });
  if (shared) app.log.warn(shared);

  let retention: NodeJS.Timeout | undefined;
  if (feedback) {
    app.log.info(`feedback database ${feedback.path} (schema v${feedback.schemaVersion}), images in ${feedback.images.dir}`);
    // Retention also applies while nothing is being stored.
    retention = setInterval(() => app.log.info({ pruned: feedback.prune() }, 'feedback retention applied'), 3_600_000);
    retention.unref();
  }

  let address: string;
  try {
    address = await app.listen({ port, host: flags.host });
  } catch (err) {
    // The workers are running: without closing them the process would stay up, serving nothing.
    clearInterval(retention);
    await app.close();
    throw listenError(err, flags.host, port);
  }
  process.stderr.write(`ecommir: serving on ${address} (web page at ${address}/, pid ${process.pid})\n`);

  // SIGHUP: reload the model folders (a model retrained in place), checked before the swap.
  const runtime = runtimeOf(app);
  process.on('SIGHUP', () => {
    if (!(runtime instanceof SwappableRuntime)) return;
    process.stderr.write('ecommir: SIGHUP: reloading the models\n');
    runtime.reload().then(
      (report) => process.stderr.write(`ecommir: models reloaded: ${Object.entries(report.current.models).map(([task, m]) => `${task} ${m?.version}`).join(', ')}\n`),
      (err: unknown) => process.stderr.write(`ecommir: reload failed, the models in service stay: ${(err as Error).message}\n`),
    );
  });

  // Graceful shutdown: stop accepting, let in-flight requests finish, then return. A second
  // signal while closing exits at once.
  let launcher: LauncherWatch | undefined;
  await new Promise<void>((resolve) => {
    let closing = false;
    const stop = (why: string): void => {
      if (closing) process.exit(130);
      closing = true;
      process.stderr.write(`ecommir: ${why}: finishing in-flight requests\n`);
      app.close().then(resolve, resolve);
    };
    // SIGHUP reloads the models (above), it does not stop the server.
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => stop(signal));
    // Started by npx / npm run, the server is npm's grandchild: stopping npm by its PID does not
    // pass the signal on, and the server would outlive it. It stops when its launcher is gone.
    launcher = watchLauncher(() => {
      if (!closing) stop('the npm process that started this server ended');
    });
  });
  launcher?.stop();
  clearInterval(retention);
  return 0;
}

/** Why the server could not listen, in the words of the options that chose where. */
function listenError(err: unknown, host: string, port: number): EcommirError {
  const code = (err as NodeJS.ErrnoException).code;
  const where = `${host}:${port}`;
  const why =
    code === 'EADDRINUSE'
      ? 'the port is in use (another ecommir serve?); pass another --port'
      : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? `${host} is not an address of this machine; pass --host 127.0.0.1, or 0.0.0.0 for every address`
        : code === 'EACCES'
          ? 'ports below 1024 need privileges; pass --port 8080, or a port above 1023'
          : (err as Error).message;
  return new EcommirError('ECM_ERR_BAD_OPTION', `cannot listen on ${where}: ${why}`, { cause: err });
}

