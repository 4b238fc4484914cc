// An image embedding from the only pretrained vision weights available offline here: the
// MobileNetV2 (ImageNet-initialised, fine-tuned for 5 NSFW classes) bundled in nsfwjs. We cut the
// network at `out_relu` (the last 7×7×1280 feature map, before the NSFW head) and average it:
// 1280-d global features; optionally also a 2×2 grid of averages (top/bottom, left/right halves
// differ a lot between screen types), 5×1280 values in all. Runs on tfjs's wasm backend.
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import type * as Tf from '@tensorflow/tfjs';
import { EcommirError } from '../errors.js';
import type { VectorExtractor } from '../features/extract.js';
import type { RawImage } from './decode.js';
import { visionThreads } from './threads.js';

export const EMBEDDING_SIZE = 1280;
const INPUT_SIDE = 224;
const FEATURE_LAYER = 'out_relu';

/** 'global': [1280] mean of the feature map; 'global+grid2': [1280 global, then 4×1280 quadrants TL, TR, BL, BR]. */
export type EmbeddingPooling = 'global' | 'global+grid2';

export interface EmbeddingOptions {
  pooling: EmbeddingPooling;
  /** Threads for the wasm backend (only used when the build supports threads). */
  threads: number;
}

export const DEFAULT_EMBEDDING_OPTIONS: Readonly<EmbeddingOptions> = Object.freeze({ pooling: 'global', threads: 2 });

/** Bump when the vector changes for the same image. */
export const EMBEDDING_VERSION = 1;

export function embeddingLength(pooling: EmbeddingPooling): number {
  return pooling === 'global' ? EMBEDDING_SIZE : 5 * EMBEDDING_SIZE;
}

// tfjs is imported on first use: it costs ~0.35 s, which the CLI and server should not pay
// unless they embed images.
let backendReady: Promise<typeof Tf> | undefined;

async function useWasmBackend(threads: number): Promise<typeof Tf> {
  backendReady ??= (async () => {
    // tfjs prints a banner recommending tfjs-node on first use; it is noise here.
    const warn = console.warn;
    const log = console.log;
    console.warn = () => {};
    console.log = () => {};
    try {
      const tf = await import('@tensorflow/tfjs');
      const { setThreadsCount, setWasmPaths } = await import('@tensorflow/tfjs-backend-wasm');
      const require = createRequire(import.meta.url);
      const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
      setWasmPaths(wasmDir + path.sep);
      setThreadsCount(threads);
      if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend failed to initialise');
      await tf.ready();
      return tf;
    } finally {
      console.warn = warn;
      console.log = log;
    }
  })().catch((err: unknown) => {
    backendReady = undefined;
    throw err;
  });
  return backendReady;
}

export class ImageEmbedder {
  readonly options: Readonly<EmbeddingOptions>;
  readonly #model: Tf.LayersModel;
  readonly #tf: typeof Tf;

  private constructor(options: EmbeddingOptions, model: Tf.LayersModel, tf: typeof Tf) {
    this.options = Object.freeze({ ...options });
    this.#model = model;
    this.#tf = tf;
  }

  static async create(options: Partial<EmbeddingOptions> = {}): Promise<ImageEmbedder> {
    const resolved = { ...DEFAULT_EMBEDDING_OPTIONS, threads: visionThreads() ?? DEFAULT_EMBEDDING_OPTIONS.threads, ...options };
    if (resolved.pooling !== 'global' && resolved.pooling !== 'global+grid2') {
      throw new EcommirError('ECM_ERR_BAD_OPTION', `embedding pooling must be 'global' or 'global+grid2', got ${String(resolved.pooling)}`);
    }
    try {
      const tf = await useWasmBackend(resolved.threads);
      const full = await tf.loadLayersModel(tf.io.fromMemory(await readNsfwMobileNetV2()));
      const cut = tf.model({ inputs: full.inputs, outputs: full.getLayer(FEATURE_LAYER).output as Tf.SymbolicTensor });
      return new ImageEmbedder(resolved, cut, tf);
    } catch (cause) {
      if (cause instanceof EcommirError) throw cause;
      throw new EcommirError('ECM_ERR_BACKEND', `cannot load the MobileNetV2 embedding model (${cause instanceof Error ? cause.message : String(cause)})`, { cause, statusCode: 500 });
    }
  }

  /** Which backend tfjs runs on, and whether wasm threads are on (for reports). */
  backendInfo(): { backend: string; threads: boolean } {
    const tf = this.#tf;
    const flags = tf.env().features as Record<string, unknown>;
    return { backend: tf.getBackend(), threads: Boolean(flags['WASM_HAS_MULTITHREAD_SUPPORT']) };
  }

  /** The embedding of one image: Float32Array of embeddingLength(pooling). */
  async embed(image: RawImage): Promise<Float32Array> {
    const pixels = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
      .resize(INPUT_SIDE, INPUT_SIDE, { fit: 'fill' })
      .raw()
      .toBuffer();
    const tf = this.#tf;
    const pooled = tf.tidy(() => {
      // input: [1, 224, 224, 3] in [0, 1] (nsfwjs's normalisation); map: [1, 7, 7, 1280]
      const input = tf.tensor4d(new Float32Array(pixels).map((v) => v / 255), [1, INPUT_SIDE, INPUT_SIDE, 3]);
      const map = this.#model.predict(input) as Tf.Tensor4D;
      const global = map.mean([1, 2]).reshape([EMBEDDING_SIZE]);
      if (this.options.pooling === 'global') return global;
      const [, h, w] = map.shape;
      const rows = [0, Math.ceil(h / 2), h];
      const cols = [0, Math.ceil(w / 2), w];
      const parts: Tf.Tensor[] = [global];
      for (let r = 0; r < 2; r++) {
        for (let c = 0; c < 2; c++) {
          parts.push(map.slice([0, rows[r], cols[c], 0], [1, rows[r + 1] - rows[r], cols[c + 1] - cols[c], EMBEDDING_SIZE]).mean([1, 2]).reshape([EMBEDDING_SIZE]));
        }
      }
      return tf.concat(parts);
    });
    const out = new Float32Array(await pooled.data());
    pooled.dispose();
    return out;
  }
}

/** nsfwjs ships its models as UMD bundles: a JSON topology object and base64 weight strings. */
async function readNsfwMobileNetV2(): Promise<Tf.io.ModelArtifacts> {
  const require = createRequire(import.meta.url);
  const dir = path.join(path.dirname(require.resolve('nsfwjs')), '../models/mobilenet_v2');
  const json = require(path.join(dir, 'model.min.js')) as { modelTopology: object; weightsManifest: { paths: string[]; weights: Tf.io.WeightsManifestEntry[] }[] };
  const weightSpecs: Tf.io.WeightsManifestEntry[] = [];
  const chunks: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    for (const shard of group.paths) chunks.push(new Uint8Array(Buffer.from(require(path.join(dir, `${shard}.min.js`)) as string, 'base64')));
    weightSpecs.push(...group.weights);
  }
  const weightData = new Uint8Array(chunks.reduce((s, c) => s + c.byteLength, 0));
  let offset = 0;
  for (const c of chunks) {
    weightData.set(c, offset);
    offset += c.byteLength;
  }
  return { modelTopology: json.modelTopology, weightSpecs, weightData: weightData.buffer };
}

let shared: Promise<ImageEmbedder> | undefined;

/** One embedder per process with the default options. */
export function sharedImageEmbedder(): Promise<ImageEmbedder> {
  shared ??= ImageEmbedder.create().catch((err: unknown) => {
    shared = undefined;
    throw err;
  });
  return shared;
}

/**
 * The embedding as a cacheable extractor for features/extract. Defaults to 'global+grid2' (the
 * grid costs nothing extra: same forward pass), so the cache holds both; extract splits them.
 */
export async function embeddingExtractor(options: Partial<EmbeddingOptions> = {}): Promise<VectorExtractor> {
  const embedder = await ImageEmbedder.create({ pooling: 'global+grid2' as EmbeddingPooling, ...options });
  return {
    name: 'mobilenetv2',
    version: EMBEDDING_VERSION,
    signature: `pooling=${embedder.options.pooling}`,
    compute: (image) => embedder.embed(image),
  };
}
