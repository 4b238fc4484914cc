// Two lanes of recogniser work, each with its own workers and bounded queue, so that cheap text
// requests never wait behind multi-second image work:
// - text: intent requests whose dialogue has no image (denoising, text features, head: about a
//   millisecond), and those whose images the model does not read and that are quick to check here
//   (vision/cheap-decode.ts: sequential JPEGs and plain PNGs, small enough; a thumbnail decode,
//   TEXT_LANE_IMAGE_LOAD);
// - image: scene requests and dialogues whose images are read (OCR, a multimodal model: seconds) or
//   too large, or coded too costly, to check in the text lane.
// Nearly every real dialogue carries an image (238 of the 239 dev dialogues): with a model that reads
// the text alone they used to wait in the image lane, at its lower priority, behind screenshots.
import { availableParallelism } from 'node:os';
import type { InputLimits } from '../data/input-limits.js';
import { EcommirError } from '../errors.js';
import type { FeatureCacheOptions } from '../features/cache.js';
import { tasksReadingImages, tasksReadingSceneModel, type Recognizer } from '../tasks/recognizer.js';
import type { Sample, Task } from '../types.js';
import { verifyImageDecodes } from '../vision/decode.js';
import { imageDHashes } from '../vision/difference-hash.js';
import { imageLimitsOf, resolveInputLimits } from '../data/input-limits.js';
import { threadsPerWorker } from '../vision/threads.js';
import { RecognizerPool, type PoolStats } from './pool.js';
import type { RecognizerSource } from './source.js';
import type { RuntimePredictOptions, RuntimePrediction } from './worker-core.js';
import { WorkQueue } from './work-queue.js';

export const LANES = ['text', 'image'] as const;
export type Lane = (typeof LANES)[number];

/** A sample's images as their headers describe them (checkSampleImages), all together. */
export interface ImageLoad {
  /** Decoded pixels. */
  pixels: number;
  /** Encoded bytes, as sent. */
  bytes: number;
  /** Every image's decode cost follows its pixels and bytes: a sequential JPEG or a plain PNG (vision/cheap-decode.ts). */
  cheapToDecode: boolean;
}

/**
 * The most image the text lane checks for a dialogue whose model reads no pixels, when every image is
 * cheap to decode (vision/cheap-decode.ts). Checking is a decode to a thumbnail: 3.5 ms median for the
 * dev dialogues' images (817 baseline JPEGs and 11 PNGs among the 828 dev images; at most 6.6 MP and
 * 0.65 MB a dialogue); 71–77 ms for an 8 MP RGBA PNG filtered with Paeth on every row, and 143–148 ms
 * for the costliest image two helpers' attacks found within these limits (the same, its data led by
 * 43,000 empty compressed blocks whose tables zlib builds each time: about 70 ms a MiB of them).
 * Other codings, and more image, go to the image lane, whose lower priority keeps a crafted dialogue
 * from holding text-only requests.
 */
export const TEXT_LANE_IMAGE_LOAD: Readonly<Omit<ImageLoad, 'cheapToDecode'>> = Object.freeze({ pixels: 8_000_000, bytes: 1024 * 1024 });

/** What routes a dialogue with images: whether its model reads them, and how much there is to check. */
export interface LaneRoute {
  /** Default true: a recogniser that says nothing may read pixels (Recognizer.readsImages). */
  readsImages?: boolean;
  /** Unknown (absent): the images go to the image lane. */
  imageLoad?: ImageLoad;
}

export function laneOf(sample: Sample, route: LaneRoute = {}): Lane {
  if (sample.task !== 'intent') return 'image';
  if (sample.images.length === 0) return 'text';
  const { readsImages = true, imageLoad } = route;
  const quick = imageLoad !== undefined && imageLoad.cheapToDecode && imageLoad.pixels <= TEXT_LANE_IMAGE_LOAD.pixels && imageLoad.bytes <= TEXT_LANE_IMAGE_LOAD.bytes;
  return !readsImages && quick ? 'text' : 'image';
}

/**
 * The lane of a sample in a batch run (`predict`, the queue's workers): a dialogue whose model reads no
 * pixels goes to the text lane whatever its images, which the text workers decode to check. The
 * service's limits on that (laneOf) keep one request's images from holding up other requests; a batch's
 * samples are all one run's, and what counts is the run's time: the image processes' start (each loads
 * and warms the OCR) was most of a `predict` over the 239 dev dialogues (3.3 s against 1.5 s with
 * their images dropped, 2026-12-08).
 */
export function batchLaneOf(sample: Sample, readsImages = true): Lane {
  if (sample.task !== 'intent') return 'image';
  return sample.images.length === 0 || !readsImages ? 'text' : 'image';
}

/** The tasks a new worker of the lane warms up (warm-up.ts) when `on`: what the lane's samples run through. */
export function laneWarmUp(lane: Lane, on: boolean): Task[] {
  if (!on) return [];
  return lane === 'text' ? ['intent'] : ['scene', 'intent'];
}

export interface LaneOptions {
  /** Calls running at once (workers). */
  concurrency: number;
  /** Calls allowed to wait; one more is refused with 503 ECM_ERR_BUSY. */
  maxQueue: number;
}

export type LaneStats = Pick<PoolStats, 'active' | 'queued' | 'terminated'> & { concurrency: number; maxQueue: number };

/** What the service needs from the recognisers, wherever they run. */
export interface RecognizerRuntime {
  /** Which tasks have a recogniser. */
  readonly tasks: Readonly<Record<Task, boolean>>;
  /** The fine labels each loaded task answers with. */
  readonly labels?: Readonly<Partial<Record<Task, readonly string[]>>>;
  /** The tasks whose answers depend on the scene model's file too (an intent model that describes images with it). */
  readonly readsSceneModel?: readonly Task[];
  /** `imageHashes` hashes the images where they are decoded (WorkerLanes: in the image worker). */
  predict(sample: Sample, options: RuntimePredictOptions, signal: AbortSignal): Promise<RuntimePrediction>;
  stats(): Record<Lane, LaneStats>;
  /** Finishes the work in flight, then stops. */
  close(): Promise<void>;
}

export const DEFAULT_LANES: Readonly<Record<Lane, LaneOptions>> = Object.freeze({
  text: { concurrency: 1, maxQueue: 256 },
  image: { concurrency: Math.max(1, Math.floor(availableParallelism() / 2)), maxQueue: 64 },
});

/**
 * The image lane's processes run at a lower priority, so that when both lanes are busy the text lane
 * and the event loop keep the CPU they need; an idle text lane leaves images all of it. Under
 * SCHED_IDLE where the system has it (priority-launchers.ts: a nice value alone let busy scene clients
 * halve the text lane's throughput); this nice value is set too, and counts only where it does not.
 */
export const DEFAULT_IMAGE_NICE = 10;

export interface WorkerLanesOptions {
  source: RecognizerSource;
  lanes?: Partial<Record<Lane, Partial<LaneOptions>>>;
  cache?: FeatureCacheOptions;
  limits?: Partial<InputLimits>;
  /** Nice increment of the image lane's processes (0: same priority as text where they do not run under SCHED_IDLE). Default DEFAULT_IMAGE_NICE. */
  imageNiceIncrement?: number;
  /** Run the image lane's processes under SCHED_IDLE where the system allows. Default true. */
  imageIdleScheduling?: boolean;
  /**
   * Threads of each image process's native work (RecognizerPoolOptions.computeThreads). Default: the
   * cores shared out among the image processes, so that several processes do not each start a thread
   * per core (the OCR's recognition threads and ONNX pools would then fight over the same cores).
   */
  imageComputeThreads?: number;
  /**
   * Warm each new worker up before it takes work (warm-up.ts): the text lane's on text-only dialogues,
   * the image lane's on a blank image and the same dialogues. Default true; off for backends whose
   * recognisers call a server (mllm), where every warm-up sample would be a real request.
   */
  warmUp?: boolean;
  /** Gives up the start when it aborts (the service's start or a reload past its deadline): both lanes' workers are stopped. */
  signal?: AbortSignal;
}

/** Starts one pool; gives its start up when the signal aborts. */
export type PoolStart = (signal: AbortSignal) => Promise<RecognizerPool>;

/**
 * Starts pools side by side and returns them only if all started and loaded their recognisers.
 * The first to fail (or the signal) stops the others at once, so that a lane that failed neither
 * leaves the other's workers running nor waits for them to load, and its reason is thrown.
 * Undefined stands for a lane not started.
 */
export async function startPools(starts: readonly (PoolStart | undefined)[], signal?: AbortSignal): Promise<(RecognizerPool | undefined)[]> {
  const giveUp = new AbortController();
  let failure: { reason: unknown } | undefined;
  const fail = (reason: unknown): void => {
    failure ??= { reason };
    giveUp.abort(failure.reason);
  };
  const linked = signal ? AbortSignal.any([signal, giveUp.signal]) : giveUp.signal;
  const settled = await Promise.allSettled(
    starts.map(async (start) => {
      if (!start) return undefined;
      try {
        const pool = await start(linked);
        if (pool.loadError) fail(new EcommirError('ECM_ERR_NO_MODEL', `the recognisers failed to load in a worker: ${pool.loadError.message}`, { statusCode: 503 }));
        return pool;
      } catch (err) {
        fail(err);
        throw err;
      }
    }),
  );
  const pools = settled.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
  if (failure) {
    await Promise.all(pools.map((p) => p?.destroy()));
    throw failure.reason;
  }
  return pools;
}

/** The lanes on worker pools: text on threads, images on processes. */
export class WorkerLanes implements RecognizerRuntime {
  private constructor(
    private readonly pools: Record<Lane, RecognizerPool>,
    readonly tasks: Readonly<Record<Task, boolean>>,
  ) {}

  static async create(options: WorkerLanesOptions): Promise<WorkerLanes> {
    const lane = (name: Lane): LaneOptions => ({ ...DEFAULT_LANES[name], ...dropUndefined(options.lanes?.[name] ?? {}) });
    const common = { source: options.source, cache: options.cache, limits: options.limits };
    const warm = options.warmUp ?? true;
    const [text, image] = await startPools(
      [
        (signal) => RecognizerPool.create({ ...common, name: 'text', isolation: 'thread', threads: lane('text').concurrency, maxQueue: lane('text').maxQueue, warmUp: laneWarmUp('text', warm), signal }),
        (signal) =>
          RecognizerPool.create({
            ...common,
            name: 'image',
            isolation: 'process',
            threads: lane('image').concurrency,
            maxQueue: lane('image').maxQueue,
            niceIncrement: options.imageNiceIncrement ?? DEFAULT_IMAGE_NICE,
            idleScheduling: options.imageIdleScheduling ?? true,
            computeThreads: options.imageComputeThreads ?? threadsPerWorker(lane('image').concurrency),
            warmUp: laneWarmUp('image', warm),
            signal,
          }),
      ],
      options.signal,
    );
    const tasks = { scene: image!.tasks.scene !== undefined, intent: image!.tasks.intent !== undefined };
    return new WorkerLanes({ text: text!, image: image! }, tasks);
  }

  get labels(): Partial<Record<Task, readonly string[]>> {
    return this.pools.image.tasks;
  }

  get readsSceneModel(): readonly Task[] {
    return this.pools.image.readsSceneModel;
  }

  get readsImages(): readonly Task[] {
    return this.pools.image.readsImages;
  }

  predict(sample: Sample, options: RuntimePredictOptions, signal: AbortSignal): Promise<RuntimePrediction> {
    const { imageLoad, ...rest } = options;
    const lane = laneOf(sample, { readsImages: this.readsImages.includes(sample.task), imageLoad });
    // Every image is decoded before the answer, in either lane (decodeSampleImages: a cut photo is refused).
    return this.pools[lane].predict(sample, rest, signal, lane === 'image' || sample.images.length > 0);
  }

  stats(): Record<Lane, LaneStats> {
    const of = (pool: RecognizerPool): LaneStats => {
      const s = pool.stats;
      return { concurrency: s.threads, maxQueue: s.maxQueue, active: s.active, queued: s.queued, terminated: s.terminated };
    };
    return { text: of(this.pools.text), image: of(this.pools.image) };
  }

  async close(): Promise<void> {
    await Promise.all([this.pools.text.close(), this.pools.image.close()]);
  }
}

/**
 * The lanes in this process, for recognisers given as objects (tests, a library user's own
 * recogniser). Their work runs on the caller's event loop: `serve` uses WorkerLanes.
 */
export class InProcessLanes implements RecognizerRuntime {
  readonly tasks: Readonly<Record<Task, boolean>>;
  readonly labels: Partial<Record<Task, readonly string[]>>;
  readonly readsSceneModel: readonly Task[];
  readonly readsImages: readonly Task[];
  private readonly queues: Record<Lane, WorkQueue>;
  private readonly limits: Readonly<InputLimits>;

  constructor(
    private readonly recognizers: Partial<Record<Task, Recognizer>>,
    lanes: Partial<Record<Lane, Partial<LaneOptions>>> = {},
    limits: Partial<InputLimits> = {},
  ) {
    this.tasks = { scene: recognizers.scene !== undefined, intent: recognizers.intent !== undefined };
    this.labels = Object.fromEntries(Object.entries(recognizers).filter(([, r]) => r).map(([task, r]) => [task, r.labels]));
    this.readsSceneModel = tasksReadingSceneModel(recognizers);
    this.readsImages = tasksReadingImages(recognizers);
    const lane = (name: Lane): LaneOptions => ({ ...DEFAULT_LANES[name], ...dropUndefined(lanes[name] ?? {}) });
    this.queues = {
      text: new WorkQueue(lane('text').concurrency, lane('text').maxQueue, 'text'),
      image: new WorkQueue(lane('image').concurrency, lane('image').maxQueue, 'image'),
    };
    this.limits = resolveInputLimits(limits);
  }

  predict(sample: Sample, options: RuntimePredictOptions, signal: AbortSignal): Promise<RuntimePrediction> {
    const recognizer = this.recognizers[sample.task];
    if (!recognizer) return Promise.reject(new EcommirError('ECM_ERR_NO_MODEL', `no ${sample.task} model is loaded`, { statusCode: 503 }));
    const lane = laneOf(sample, { readsImages: this.readsImages.includes(sample.task), imageLoad: options.imageLoad });
    return this.queues[lane].run(async () => {
      const item = { id: sample.id, index: sample.index };
      const thumbnails = [];
      for (const ref of sample.images) {
        signal.throwIfAborted(); // between images: a request past its deadline stops here
        thumbnails.push(await verifyImageDecodes(ref, item, imageLimitsOf(this.limits)));
      }
      signal.throwIfAborted();
      const { imageHashes, imageLoad: _route, ...recognizerOptions } = options;
      const prediction = await recognizer.predict(sample, { ...recognizerOptions, signal });
      if (!imageHashes) return prediction;
      return { ...prediction, imageHashes: await imageDHashes(thumbnails) };
    }, signal);
  }

  stats(): Record<Lane, LaneStats> {
    const of = (q: WorkQueue): LaneStats => ({ concurrency: q.concurrency, maxQueue: q.maxQueue, active: q.active, queued: q.queued, terminated: 0 });
    return { text: of(this.queues.text), image: of(this.queues.image) };
  }

  async close(): Promise<void> {
    while (LANES.some((l) => this.queues[l].active + this.queues[l].queued > 0)) await new Promise((r) => setTimeout(r, 10));
  }
}

function dropUndefined<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, value]) => value !== undefined)) as Partial<T>;
}
