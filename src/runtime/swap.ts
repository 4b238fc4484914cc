// Model swaps without dropping a request. The service holds its recognisers through a
// SwappableRuntime; a reload (POST /v1/admin/reload, SIGHUP) builds a complete new runtime from
// the new model folders next to the one in service, checks it — it loads, it serves every task
// the old one served with the same labels (stored corrections stay valid), and a smoke
// prediction per task gives a well-formed answer — and only then swaps it in. Requests already
// running finish on the old runtime, which is closed once they have (drained); new requests go
// to the new one from the swap on. The previous folders are kept: a rollback reloads them, with
// the same checks. A rejected reload leaves the service as it was.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import sharp from 'sharp';
import { parseNativeSample } from '../data/native.js';
import { EcommirError } from '../errors.js';
import type { ModelFiles } from '../tasks/default-models.js';
import { MAX_MODEL_FILE_BYTES, MODEL_FILE, modelFileDigest, readModelSnapshot } from '../tasks/model-file.js';
import type { RuntimePredictOptions, RuntimePrediction } from './worker-core.js';
import { TASKS, type Prediction, type Sample, type Task } from '../types.js';
import { LONGEST_TIMER_MS, raceSignal, startDeadline } from './deadline.js';
import type { Lane, LaneStats, RecognizerRuntime } from './lanes.js';

/** Model folder of each task (undefined: the task is not served from a folder of its own). */
export type ModelFolders = Partial<Record<Task, string>>;

export interface ServedModel {
  /**
   * First 12 hex digits of the SHA-256 of the folder's model.json (`unversioned` without one). For a
   * task a big-model backend answers, of its options and weights (ServedBackend), alone; averaged with
   * the folder's model, of both (taskVersion). For an intent model that describes the user's images with
   * the scene model, of both files (fileVersionServed).
   */
  version: string;
  folder?: string;
  /** The big-model backend that answers the task, alone or averaged with the folder's model. */
  backend?: string;
  labels: number;
}

/**
 * A big-model backend answering a task, alone or averaged with the folder's model. A folder may be loaded
 * beside a backend that answers alone (an intent model that reads images describes them with the scene
 * folder's model).
 */
export interface ServedBackend {
  /** `--backend`: mllm or clip. */
  name: string;
  alone: boolean;
  /** sha256 (hex) of the backend's options and weights (identity.ts: backendDigest). */
  digest: string;
}

export interface ServedGeneration {
  /** 1 for the models loaded at start-up, +1 for each swap. */
  generation: number;
  loadedAt: string;
  models: Partial<Record<Task, ServedModel>>;
  folders: ModelFolders;
}

export type ServedPrediction = RuntimePrediction & { modelVersion: string };

export interface SwapReport {
  current: ServedGeneration;
  previous: ServedGeneration;
  /** Smoke predictions of the new runtime, one per task. */
  smoke: Partial<Record<Task, { label: string; confidence: number; ms: number }>>;
  /** Requests still running on the previous runtime at the swap (they finish there). */
  draining: number;
}

export interface SwappableRuntimeOptions {
  /**
   * Builds a runtime (loading its recognisers) from model folders. The start and a reload pass a
   * signal that aborts at their deadline: a build that heeds it stops what it started; one that does
   * not is closed when it ends. `files` are the model files as read for their versions: workers that
   * parse them (ModelFiles) instead of the folders serve those versions, even one started later (after
   * a crash or a timeout) when a file has been replaced since.
   */
  build: (folders: ModelFolders, signal?: AbortSignal, files?: ModelFiles) => Promise<RecognizerRuntime>;
  folders: ModelFolders;
  /** Deadline of a reload's build (workers started, models loaded, warmed up), ms. Default 120 s. */
  loadTimeoutMs?: number;
  /** Deadline of the first build, at start-up, ms; 0 for none. Default 120 s. */
  startTimeoutMs?: number;
  /** Deadline of each smoke prediction, ms. Default 60 s. */
  smokeTimeoutMs?: number;
  /**
   * The reload's smoke predictions at the start too: a model that fails every prediction (a prior
   * power of 1e308 gives NaN) is refused, where the service said it was ready and answered 500. Off
   * where a prediction costs a request to another server (the mllm backend, which is not warmed up).
   */
  checkAtStart?: boolean;
  /**
   * The tasks a big-model backend answers, with its name and digest: read at the start and before each
   * build (a CLIP folder may have been retrained in place). A task it answers alone is served under the
   * backend's version; a reload naming a folder for a task that has none (its embedded model is not
   * loaded) is refused.
   */
  backends?: () => Promise<Partial<Record<Task, ServedBackend>>>;
  log?: (line: string) => void;
}

/** A generation as kept for a rollback: with the versions of the files it was built from. */
interface KeptGeneration extends ServedGeneration {
  /** Each folder's model file version when it was read for the build (a task's served version may be its backend's, or of two files). */
  fileVersions: Record<Task, string>;
}

interface Generation extends KeptGeneration {
  runtime: RecognizerRuntime;
  inFlight: number;
  retired: boolean;
  drained?: () => void;
  closed?: Promise<void>;
}

/** The version of a model whose file was not there (or could not be read). */
const UNVERSIONED = 'unversioned';

export async function modelVersionOf(folder: string | undefined): Promise<string> {
  if (!folder) return UNVERSIONED;
  try {
    return versionOfDigest(await modelFileDigest(join(folder, MODEL_FILE), MAX_MODEL_FILE_BYTES));
  } catch {
    return UNVERSIONED;
  }
}

/**
 * A served model's version from its file's sha256 (README: the first 12 digits). The one derivation for
 * the version a build is given and the one a reload reads again after: were they to differ, every
 * reload would be refused as a file changed under it.
 */
function versionOfDigest(digest: string | undefined): string {
  return digest?.slice(0, 12) ?? UNVERSIONED;
}

/** The version of two things together, as a served version: the first 12 digits of the sha256 of both, in order. */
function versionOfBoth(first: string, second: string): string {
  return versionOfDigest(createHash('sha256').update(`${first}\0${second}`).digest('hex'));
}

/**
 * The version a task is served under: its folder model's (fileVersionServed); with a big-model backend, the
 * backend's when it answers alone (or the folder holds no model, so that it does), else of both together:
 * the answers of an ensemble follow either, and the same model.json averaged with another LLM is another model.
 */
function taskVersion(folderVersion: string, backend: ServedBackend | undefined): string {
  if (!backend) return folderVersion;
  if (backend.alone || folderVersion === UNVERSIONED) return versionOfDigest(backend.digest);
  return versionOfBoth(folderVersion, backend.digest);
}

/**
 * The version of what a task's folder model answers with: its own file's, or for a model whose answers
 * follow the scene model too (an intent model that describes images with it), of both files, so that a
 * reload of another scene folder moves it. (A `buildApp` caller whose source loads a scene model from no
 * folder it names gets the scene part `unversioned`: stable, but blind to that file.)
 */
function fileVersionServed(task: Task, versions: Record<Task, string>, readsSceneModel: readonly Task[] | undefined): string {
  if (task === 'scene' || !readsSceneModel?.includes(task) || versions[task] === UNVERSIONED) return versions[task];
  return versionOfBoth(versions[task], `scene\0${versions.scene}`);
}

/** The model files a build's workers parse, as read once, and the versions they give. */
interface ModelSnapshot {
  files: ModelFiles;
  versions: Record<Task, string>;
}

/** The backends' versions for a build: one that cannot be read (a CLIP file removed while it was hashed) is a 503 naming why. */
async function readBackends(options: SwappableRuntimeOptions, when: 'starting' | 'reloading'): Promise<Partial<Record<Task, ServedBackend>>> {
  try {
    return (await options.backends?.()) ?? {};
  } catch (cause) {
    if (cause instanceof EcommirError) throw cause;
    const after = when === 'reloading' ? '; the models in service stay' : '';
    throw new EcommirError('ECM_ERR_NO_MODEL', `cannot read the backend's model files for their version: ${(cause as Error).message}${after}`, { statusCode: 503, cause });
  }
}

/** Reads each folder's model file once: its bytes (null: none there) and version. One that cannot be read is left to its load, which says why. */
async function snapshotModels(folders: ModelFolders): Promise<ModelSnapshot> {
  const files: ModelFiles = {};
  const versions = { scene: UNVERSIONED, intent: UNVERSIONED };
  for (const task of TASKS) {
    const folder = folders[task];
    if (!folder) continue;
    try {
      const snapshot = await readModelSnapshot(join(folder, MODEL_FILE));
      files[task] = snapshot?.bytes ?? null;
      versions[task] = versionOfDigest(snapshot?.digest);
    } catch {
      // Unreadable: the workers read the folder, and fail to load it with the reason.
    }
  }
  return { files, versions };
}

export class SwappableRuntime implements RecognizerRuntime {
  #current: Generation;
  #previous?: KeptGeneration;
  #reloading = false;
  #closed = false;
  /** The reload in progress, if any (close() waits for it and closes what it built). */
  #swapping?: Promise<unknown>;
  #draining = new Set<Generation>();
  /** Aborted by close(): a reload's build stops what it started. */
  readonly #stopBuild = new AbortController();
  readonly #options: SwappableRuntimeOptions;

  private constructor(options: SwappableRuntimeOptions, first: Generation) {
    this.#options = options;
    this.#current = first;
  }

  static async create(options: SwappableRuntimeOptions): Promise<SwappableRuntime> {
    const snapshot = await snapshotModels(options.folders);
    const backends = await readBackends(options, 'starting');
    const runtime = await buildAtStart(options, snapshot.files);
    if (options.checkAtStart) {
      try {
        // Under the start's own terms: no deadline when the start has none (startTimeoutMs 0).
        await smokeTest(runtime, options.startTimeoutMs === 0 ? LONGEST_TIMER_MS : (options.smokeTimeoutMs ?? 60_000), 'starting');
      } catch (err) {
        await runtime.close().catch(() => {});
        throw err;
      }
    }
    return new SwappableRuntime(options, describe(runtime, options.folders, 1, snapshot.versions, backends));
  }

  get tasks(): Readonly<Record<Task, boolean>> {
    return this.#current.runtime.tasks;
  }

  get labels(): Readonly<Partial<Record<Task, readonly string[]>>> | undefined {
    return this.#current.runtime.labels;
  }

  get readsSceneModel(): readonly Task[] | undefined {
    return this.#current.runtime.readsSceneModel;
  }

  get reloading(): boolean {
    return this.#reloading;
  }

  /** What is in service, and what a rollback would go back to. */
  served(): { current: ServedGeneration; previous?: ServedGeneration; reloading: boolean; draining: number } {
    return { current: publicPart(this.#current), previous: this.#previous && publicPart(this.#previous), reloading: this.#reloading, draining: [...this.#draining].reduce((n, g) => n + g.inFlight, 0) };
  }

  async predict(sample: Sample, options: RuntimePredictOptions, signal: AbortSignal): Promise<ServedPrediction> {
    const generation = this.#current;
    generation.inFlight++;
    try {
      const prediction = await generation.runtime.predict(sample, options, signal);
      return { ...prediction, modelVersion: generation.models[sample.task]?.version ?? UNVERSIONED };
    } finally {
      generation.inFlight--;
      if (generation.retired && generation.inFlight === 0) generation.drained?.();
    }
  }

  stats(): Record<Lane, LaneStats> {
    return this.#current.runtime.stats();
  }

  /** Loads `folders` (missing tasks: the current folders), checks the result and swaps it in. */
  async reload(folders: ModelFolders = {}): Promise<SwapReport> {
    for (const task of TASKS) {
      const backend = this.#current.models[task]?.backend;
      if (folders[task] !== undefined && backend && this.#current.folders[task] === undefined) {
        throw new EcommirError(
          'ECM_ERR_BAD_OPTION',
          `the ${task} task is answered by the ${backend} backend, not by a model folder: ${task}Model cannot be reloaded (restart the service with other --backend options to change that)`,
          { statusCode: 400 },
        );
      }
    }
    return this.#swap({ ...this.#current.folders, ...dropUndefined(folders) });
  }

  /** Goes back to the models in service before the last swap (checked like a reload). */
  async rollback(): Promise<SwapReport> {
    if (!this.#previous) throw new EcommirError('ECM_ERR_CONFLICT', 'nothing to roll back to: no reload has happened since the start', { statusCode: 409 });
    // A rollback reloads the previous folders: when one was trained over since (the folder in service
    // retrained, then reloaded), it holds the new model, and the "rollback" answered 200 with nothing
    // rolled back.
    for (const task of Object.keys(this.#previous.models) as Task[]) {
      const folder = this.#previous.folders[task];
      if (!folder) continue; // a backend's task: nothing on disk to have changed
      const then = this.#previous.fileVersions[task];
      const now = await modelVersionOf(folder);
      if (now !== then) {
        throw new EcommirError(
          'ECM_ERR_CONFLICT',
          `nothing to roll back to for ${task}: ${folder} held model ${then} and now holds ${now}. ` +
            'A rollback reloads folders: train into a new folder and reload it, to keep the one in service to go back to',
          { statusCode: 409 },
        );
      }
    }
    return this.#swap(this.#previous.folders);
  }

  /** Resolves when every retired runtime has finished its requests and closed. */
  async drained(): Promise<void> {
    await Promise.all([...this.#draining].map((g) => g.closed));
  }

  async close(): Promise<void> {
    this.#closed = true;
    // A reload still loading is given up at once, not waited for until its deadline.
    this.#stopBuild.abort(new EcommirError('ECM_ERR_BUSY', 'the service is shutting down', { statusCode: 503 }));
    await this.#swapping?.catch(() => {});
    await this.drained();
    await this.#current.runtime.close();
  }

  #swap(folders: ModelFolders): Promise<SwapReport> {
    if (this.#closed) return Promise.reject(new EcommirError('ECM_ERR_BUSY', 'the service is shutting down', { statusCode: 503 }));
    if (this.#reloading) return Promise.reject(new EcommirError('ECM_ERR_BUSY', 'a model reload is already in progress; retry when it is done', { statusCode: 409 }));
    this.#reloading = true;
    const swapping = this.#build(folders);
    this.#swapping = swapping;
    return swapping;
  }

  async #build(folders: ModelFolders): Promise<SwapReport> {
    const log = this.#options.log ?? (() => {});
    try {
      // Each lane's workers read the folders on their own: a file replaced meanwhile left the text and
      // image lanes on two models, both under the newer file's version. The files are read once, before,
      // and given to the build (its workers parse them), and their versions read again after: a change
      // between them refuses the reload (a build may read the folders all the same).
      const snapshot = await snapshotModels(folders);
      const backends = await readBackends(this.#options, 'reloading');
      const runtime = await buildWithin(this.#options.build, folders, snapshot.files, this.#options.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS, this.#stopBuild.signal);
      let smoke: SwapReport['smoke'];
      try {
        if (this.#closed) throw new EcommirError('ECM_ERR_BUSY', 'the service is shutting down', { statusCode: 503 });
        checkCompatible(this.#current.runtime, runtime);
        smoke = await smokeTest(runtime, this.#options.smokeTimeoutMs ?? 60_000);
      } catch (err) {
        await runtime.close().catch(() => {});
        throw err;
      }
      const next = describe(runtime, folders, this.#current.generation + 1, snapshot.versions, backends);
      const after = Object.fromEntries(await Promise.all(TASKS.map(async (task) => [task, await modelVersionOf(folders[task])] as const))) as Record<Task, string>;
      const changed = TASKS.filter((task) => folders[task] && next.models[task] && snapshot.versions[task] !== after[task]);
      if (changed.length > 0) {
        await runtime.close().catch(() => {});
        const what = changed.map((task) => `${join(folders[task]!, MODEL_FILE)} went from ${snapshot.versions[task]} to ${after[task]}`).join('; ');
        throw new EcommirError('ECM_ERR_CONFLICT', `a model file changed while it was loading (${what}): its workers may have read either; the models in service stay; reload again once the file is written`, { statusCode: 409 });
      }
      if (this.#closed) {
        await runtime.close().catch(() => {});
        throw new EcommirError('ECM_ERR_BUSY', 'the service is shutting down', { statusCode: 503 });
      }
      const old = this.#current;
      this.#current = next; // from here on, new requests go to the new runtime
      this.#previous = { ...publicPart(old), fileVersions: old.fileVersions };
      const draining = old.inFlight;
      this.#retire(old);
      log(`models swapped: generation ${next.generation} (${describeModels(next)}); ${draining} request(s) finishing on generation ${old.generation}`);
      return { current: publicPart(next), previous: publicPart(this.#previous), smoke, draining };
    } finally {
      this.#reloading = false;
    }
  }

  #retire(generation: Generation): void {
    generation.retired = true;
    this.#draining.add(generation);
    const drained = new Promise<void>((resolve) => {
      generation.drained = resolve;
      if (generation.inFlight === 0) resolve();
    });
    generation.closed = drained
      .then(() => generation.runtime.close())
      .catch((err: unknown) => this.#options.log?.(`closing the previous models failed: ${(err as Error).message}`))
      .finally(() => this.#draining.delete(generation));
  }
}

/** A built runtime as served, each model under the version of what answers it (taskVersion). */
function describe(runtime: RecognizerRuntime, folders: ModelFolders, generation: number, versions: Record<Task, string>, backends: Partial<Record<Task, ServedBackend>>): Generation {
  const models: Partial<Record<Task, ServedModel>> = {};
  for (const task of TASKS) {
    if (!runtime.tasks[task]) continue;
    const backend = backends[task];
    const version = taskVersion(fileVersionServed(task, versions, runtime.readsSceneModel), backend);
    models[task] = { version, ...(folders[task] ? { folder: folders[task] } : {}), ...(backend ? { backend: backend.name } : {}), labels: runtime.labels?.[task]?.length ?? 0 };
  }
  return { generation, loadedAt: new Date().toISOString(), models, folders: { ...folders }, fileVersions: { ...versions }, runtime, inFlight: 0, retired: false };
}

function publicPart(g: ServedGeneration): ServedGeneration {
  return { generation: g.generation, loadedAt: g.loadedAt, models: g.models, folders: g.folders };
}

function describeModels(g: ServedGeneration): string {
  return Object.entries(g.models).map(([task, m]) => `${task} ${m.version}`).join(', ');
}

/** Every task served before is served after, with the same set of labels. */
export function checkCompatible(before: RecognizerRuntime, after: RecognizerRuntime): void {
  const problems: string[] = [];
  for (const task of TASKS) {
    if (!before.tasks[task]) continue;
    if (!after.tasks[task]) {
      problems.push(`no ${task} model in the new folders (one is in service)`);
      continue;
    }
    const old = new Set(before.labels?.[task] ?? []);
    const now = new Set(after.labels?.[task] ?? []);
    const removed = [...old].filter((l) => !now.has(l));
    const added = [...now].filter((l) => !old.has(l));
    if (removed.length || added.length) {
      problems.push(`the ${task} labels differ from the model in service (${[removed.length ? `missing: ${removed.join(', ')}` : '', added.length ? `new: ${added.join(', ')}` : ''].filter(Boolean).join('; ')}); stored corrections would not fit: restart the service to change the taxonomy`);
    }
  }
  if (problems.length) throw new EcommirError('ECM_ERR_MODEL_REJECTED', `the new models are not compatible: ${problems.join('; ')}`, { statusCode: 422 });
}

/**
 * A reload's build takes 3 s on an idle machine and 9–16 s beside a saturated text lane (measured
 * 2026-12-06). While other work fills every core, image workers under SCHED_IDLE get no CPU: without
 * a deadline the reload waited as long as that work lasted (over 240 s beside two busy loops, the
 * same day), and held every later reload off with 409.
 */
export const DEFAULT_LOAD_TIMEOUT_MS = 120_000;

/**
 * Races a build against `signal`. When the signal wins, its reason is thrown, and a build that did
 * not heed it is closed once it ends; the build's own errors pass unchanged.
 */
async function buildUntil(build: SwappableRuntimeOptions['build'], folders: ModelFolders, files: ModelFiles, signal: AbortSignal): Promise<RecognizerRuntime> {
  // Async, so that a build that throws at once is a failed build like one that fails later.
  const building = (async () => build(folders, signal, files))();
  try {
    return await raceSignal(building, signal);
  } catch (cause) {
    if (signal.aborted && cause === signal.reason) void building.then((late) => late.close(), () => {}).catch(() => {});
    throw cause;
  }
}

/** A reload's build within its deadline: a failed build is a rejected model (422), a late one ECM_ERR_TIMEOUT (504). */
async function buildWithin(build: SwappableRuntimeOptions['build'], folders: ModelFolders, files: ModelFiles, timeoutMs: number, stop: AbortSignal): Promise<RecognizerRuntime> {
  const deadline = startDeadline(timeoutMs, 'loading the new models (starting and warming up their workers)');
  const signal = AbortSignal.any([deadline.signal, stop]);
  try {
    return await buildUntil(build, folders, files, signal);
  } catch (cause) {
    if (!signal.aborted || cause !== signal.reason) {
      throw new EcommirError('ECM_ERR_MODEL_REJECTED', `the new models did not load: ${(cause as Error).message}`, { statusCode: 422, cause });
    }
    if (cause === stop.reason) throw cause;
    throw new EcommirError('ECM_ERR_TIMEOUT', `${(cause as Error).message}: the machine may be too busy to give them CPU; the models in service stay; retry when it is less loaded`, { statusCode: 504, cause });
  } finally {
    deadline.clear();
  }
}

/**
 * The first build, with a deadline: under a load that starves the image worker (SCHED_IDLE) a start
 * waited, saying nothing, for as long as the load lasted. Its own errors pass unchanged (there is no
 * model in service to keep, so nothing to tell apart from a rejected reload).
 */
async function buildAtStart(options: SwappableRuntimeOptions, files: ModelFiles): Promise<RecognizerRuntime> {
  const timeoutMs = options.startTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS;
  if (timeoutMs === 0) return options.build(options.folders, undefined, files);
  const deadline = startDeadline(timeoutMs, 'starting the models (their workers loaded and warmed up)');
  try {
    return await buildUntil(options.build, options.folders, files, deadline.signal);
  } catch (cause) {
    if (!deadline.signal.aborted || cause !== deadline.signal.reason) throw cause;
    throw new EcommirError(
      'ECM_ERR_TIMEOUT',
      `${(cause as Error).message}: the machine may be too busy to give them CPU; start again when it is less loaded, or allow longer (startTimeoutMs, 0 for no deadline; --start-timeout-ms on the command line)`,
      { statusCode: 504, cause },
    );
  } finally {
    deadline.clear();
  }
}

const SMOKE_DIALOGUE = { task: 'intent', id: 'smoke-test', dialogue: [{ role: 'user', text: '你好，请问这个商品什么时候发货？' }] };

async function smokeSamples(): Promise<Record<Task, Sample>> {
  const png = await sharp({ create: { width: 96, height: 96, channels: 3, background: { r: 245, g: 245, b: 245 } } }).png().toBuffer();
  return {
    intent: parseNativeSample(SMOKE_DIALOGUE, 0),
    scene: parseNativeSample({ task: 'scene', id: 'smoke-test', image: { base64: png.toString('base64'), name: 'smoke.png' } }, 0),
  };
}

/** One prediction per task on the new runtime: it answers, with one of its labels and finite probabilities. */
export async function smokeTest(runtime: RecognizerRuntime, timeoutMs: number, which: 'new' | 'starting' = 'new'): Promise<SwapReport['smoke']> {
  const samples = await smokeSamples();
  const out: SwapReport['smoke'] = {};
  for (const task of TASKS) {
    if (!runtime.tasks[task]) continue;
    const started = performance.now();
    const deadline = startDeadline(timeoutMs, `the ${which} ${task} model's smoke prediction`);
    let p: Prediction;
    try {
      p = await raceSignal(runtime.predict(samples[task], { topK: 5 }, deadline.signal), deadline.signal);
    } catch (cause) {
      if (deadline.signal.aborted && cause === deadline.signal.reason) {
        // Not a fault shown in the model: it may be slow, or the machine too busy to run it.
        throw new EcommirError('ECM_ERR_TIMEOUT', `${(cause as Error).message}: the model is too slow or the machine too busy; ${which === 'new' ? 'the models in service stay' : 'the service does not start (the request timeout sets this deadline; a start timeout of 0 lifts it)'}`, { statusCode: 504, cause });
      }
      throw new EcommirError('ECM_ERR_MODEL_REJECTED', `the ${which} ${task} model failed its smoke prediction: ${(cause as Error).message}`, { statusCode: 422, cause });
    } finally {
      deadline.clear();
    }
    const labels = new Set(runtime.labels?.[task] ?? []);
    const finite = (x: number): boolean => Number.isFinite(x) && x >= 0 && x <= 1 + 1e-6;
    if (!labels.has(p.label) || !finite(p.confidence) || p.ranked.length === 0 || !p.ranked.every((r) => labels.has(r.label) && finite(r.confidence))) {
      throw new EcommirError('ECM_ERR_MODEL_REJECTED', `the ${which} ${task} model's smoke prediction is malformed (label ${JSON.stringify(p.label)}, confidence ${p.confidence})`, { statusCode: 422 });
    }
    out[task] = { label: p.label, confidence: p.confidence, ms: Math.round(performance.now() - started) };
  }
  return out;
}

function dropUndefined<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, value]) => value !== undefined)) as Partial<T>;
}
