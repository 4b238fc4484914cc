// A CLIP-family model (CLIP, Chinese-CLIP, SigLIP) read from a local folder in the transformers.js
// layout, turned into two functions: image → embedding [D] and text → embedding [D] (raw, not yet
// normalised). Two layouts are understood:
//   split: onnx/vision_model{suffix}.onnx + onnx/text_model{suffix}.onnx (Xenova's CLIP / SigLIP exports)
//          run as CLIPVisionModelWithProjection / CLIPTextModelWithProjection (encoder-only sessions);
//   joint: onnx/model{suffix}.onnx with both inputs (Xenova's Chinese-CLIP exports) run as
//          ChineseCLIPModel/CLIPModel, fed a fixed dummy text (for images) or a grey image (for texts).
// The joint graph also reveals the model's learned logit scale: logits_per_image / cosine.
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { readConfigFileSync, readConfigTextSync, unreadableReason } from '../../data/read-file.js';
import { EcommirError } from '../../errors.js';
import type { RawImage } from '../../vision/decode.js';
import { transformersRuntime } from './runtime.js';

/** Weight files to load: fp32 `model.onnx`, or the `_quantized` / `_fp16` / `_q4` variants of the export. */
export type ClipDtype = 'fp32' | 'fp16' | 'q8' | 'q4';
const DTYPE_SUFFIX: Record<ClipDtype, string> = { fp32: '', fp16: '_fp16', q8: '_quantized', q4: '_q4' };

export type ClipLayout = 'split' | 'joint';

/** What transformers.js returns, narrowed to what is used here. */
interface TensorLike {
  dims: number[];
  data: ArrayLike<number> | ArrayLike<bigint>;
}
type Feeds = Record<string, TensorLike>;
type Callable = (inputs: Feeds) => Promise<Record<string, TensorLike>>;
type TextEncoder = (text: string, options?: Record<string, unknown>) => Feeds;
type ImageProcessor = (image: unknown) => Promise<Feeds>;

export interface ClipModelOptions {
  dtype?: ClipDtype;
  /** Overrides the logit scale (else: measured from a joint graph, else config `logit_scale`, else 100). */
  logitScale?: number;
}

export interface ClipModelInfo {
  dir: string;
  layout: ClipLayout;
  modelType: string;
  dtype: ClipDtype;
  /** sha256 over the folder's configs and weight files (size plus head and tail bytes); part of every cache key. */
  fingerprint: string;
}

const CONFIG_FILES = ['config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json'];

export class ClipModel {
  logitScale: number;
  #dummyText?: Feeds;
  #greyImage?: Feeds;

  private constructor(
    readonly info: ClipModelInfo,
    private readonly tokenizer: TextEncoder,
    private readonly processor: ImageProcessor,
    private readonly vision: Callable,
    private readonly text: Callable,
    logitScale: number,
    private readonly makeRawImage: (data: Uint8ClampedArray, width: number, height: number) => unknown,
  ) {
    this.logitScale = logitScale;
  }

  static async load(modelDir: string, options: ClipModelOptions = {}): Promise<ClipModel> {
    const dir = path.resolve(modelDir);
    const dtype = options.dtype ?? 'fp32';
    if (!(dtype in DTYPE_SUFFIX)) throw new EcommirError('ECM_ERR_BAD_OPTION', `dtype must be one of ${Object.keys(DTYPE_SUFFIX).join(', ')}, got ${String(dtype)}`);
    const suffix = DTYPE_SUFFIX[dtype];
    const config = await readJsonFile(path.join(dir, 'config.json'));
    for (const file of CONFIG_FILES.slice(1)) await mustExist(path.join(dir, file), `${file} (the transformers.js layout needs it)`);
    const weightFile = (name: string) => path.join(dir, 'onnx', `${name}${suffix}.onnx`);
    let layout: ClipLayout;
    if ((await exists(weightFile('vision_model'))) && (await exists(weightFile('text_model')))) layout = 'split';
    else if (await exists(weightFile('model'))) layout = 'joint';
    else {
      throw new EcommirError(
        'ECM_ERR_NO_MODEL',
        `no ONNX weights in ${dir}: expected onnx/vision_model${suffix}.onnx and onnx/text_model${suffix}.onnx, or onnx/model${suffix}.onnx`,
        { item: { file: dir }, statusCode: 503 },
      );
    }
    const weights = layout === 'split' ? [weightFile('vision_model'), weightFile('text_model')] : [weightFile('model')];
    const fingerprint = await folderFingerprint(dir, weights, dtype);
    const modelType = typeof config.model_type === 'string' ? config.model_type : 'clip';

    const hf = await transformersRuntime();
    const load = { local_files_only: true, dtype } as const;
    const fail = (what: string) => (cause: unknown) => {
      throw new EcommirError('ECM_ERR_BACKEND', `cannot load the ${what} of ${dir}: ${(cause as Error).message}`, { cause, item: { file: dir }, statusCode: 503 });
    };
    const tokenizer = (await hf.AutoTokenizer.from_pretrained(dir, { local_files_only: true }).catch(fail('tokenizer'))) as unknown as TextEncoder;
    const processor = (await hf.AutoProcessor.from_pretrained(dir, { local_files_only: true }).catch(fail('image processor'))) as unknown as ImageProcessor;
    let vision: Callable;
    let text: Callable;
    if (layout === 'split') {
      vision = (await hf.CLIPVisionModelWithProjection.from_pretrained(dir, load).catch(fail('vision model'))) as unknown as Callable;
      text = (await hf.CLIPTextModelWithProjection.from_pretrained(dir, load).catch(fail('text model'))) as unknown as Callable;
    } else {
      // The class only chooses the session layout (one encoder-only graph); both read onnx/model.onnx.
      const joint = (await (modelType === 'chinese_clip' ? hf.ChineseCLIPModel : hf.CLIPModel).from_pretrained(dir, load).catch(fail('model'))) as unknown as Callable;
      vision = joint;
      text = joint;
    }
    const configScale = typeof config.logit_scale === 'number' ? Math.exp(config.logit_scale) : undefined;
    const model = new ClipModel(
      { dir, layout, modelType, dtype, fingerprint },
      tokenizer,
      processor,
      vision,
      text,
      options.logitScale ?? configScale ?? 100,
      (data, width, height) => new hf.RawImage(data, width, height, 3),
    );
    if (layout === 'joint' && options.logitScale === undefined) model.logitScale = await model.measureLogitScale();
    return model;
  }

  /** Raw image embedding [D] of a decoded RGB image. */
  async embedImage(image: RawImage): Promise<Float32Array> {
    const pixels = await this.processor(this.makeRawImage(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.byteLength), image.width, image.height));
    const out = await this.vision(this.info.layout === 'joint' ? { ...this.dummyText(), pixel_values: pixels.pixel_values } : { pixel_values: pixels.pixel_values });
    return firstRow(out, 'image_embeds', this.info.dir);
  }

  /** Raw text embedding [D]; texts run one at a time so that no padding can change a result. */
  async embedText(text: string): Promise<Float32Array> {
    const tokens = this.tokenizer(text, { truncation: true });
    const out = await this.text(this.info.layout === 'joint' ? { ...tokens, ...(await this.greyImage()) } : tokens);
    return firstRow(out, 'text_embeds', this.info.dir);
  }

  private dummyText(): Feeds {
    return (this.#dummyText ??= this.tokenizer('', { truncation: true }));
  }

  private async greyImage(): Promise<Feeds> {
    if (!this.#greyImage) {
      const side = 8;
      const pixels = await this.processor(this.makeRawImage(new Uint8ClampedArray(side * side * 3).fill(128), side, side));
      this.#greyImage = { pixel_values: pixels.pixel_values };
    }
    return this.#greyImage;
  }

  /** logits_per_image / cos(image, text) for one image and one text: the exp of the learned logit scale. */
  private async measureLogitScale(): Promise<number> {
    const tokens = this.tokenizer('a', { truncation: true });
    const out = await this.vision({ ...tokens, ...(await this.greyImage()) });
    const image = firstRow(out, 'image_embeds', this.info.dir);
    const text = firstRow(out, 'text_embeds', this.info.dir);
    const logit = Number(out.logits_per_image?.data[0]);
    const cosine = dot(image, text) / Math.sqrt(dot(image, image) * dot(text, text));
    const scale = logit / cosine;
    return Number.isFinite(scale) && scale > 0 ? scale : 100;
  }
}

function firstRow(outputs: Record<string, TensorLike>, name: string, dir: string): Float32Array {
  const tensor = outputs[name];
  if (!tensor || tensor.dims.length !== 2) {
    throw new EcommirError('ECM_ERR_BACKEND', `the model in ${dir} did not return ${name} [batch, D] (outputs: ${Object.keys(outputs).join(', ')})`, { statusCode: 500 });
  }
  const d = tensor.dims[1];
  return Float32Array.from({ length: d }, (_, j) => Number(tensor.data[j]));
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

async function folderFingerprint(dir: string, weights: string[], dtype: ClipDtype): Promise<string> {
  const hash = createHash('sha256').update(`dtype:${dtype}\n`);
  for (const file of CONFIG_FILES) hash.update(`${file}\n`).update(readConfigBytes(path.join(dir, file)));
  // Weight files can be gigabytes: their size and first and last MiB tell exports apart.
  const window = 1 << 20;
  for (const file of weights) {
    const { size } = await stat(file);
    checkOnnxSize(file, size);
    hash.update(`${path.basename(file)}:${size}\n`);
    const handle = await open(file, 'r');
    try {
      for (const start of size > 2 * window ? [0, size - window] : [0]) {
        const buf = Buffer.alloc(Math.min(size, size > 2 * window ? window : size));
        await handle.read(buf, 0, buf.length, start);
        if (start === 0) checkOnnxStart(file, buf);
        hash.update(buf);
      }
    } finally {
      await handle.close();
    }
  }
  return hash.digest('hex');
}

/**
 * The largest ONNX file: a model is one protobuf message, which cannot pass 2 GiB (bigger weights go
 * in external data files beside it). A 6 GB file was read whole before onnxruntime refused it (9.9 s,
 * 6.45 GB of memory); refused here by its size.
 */
export const MAX_ONNX_FILE_BYTES = 2 ** 31 - 1;

function checkOnnxSize(file: string, size: number): void {
  if (size > MAX_ONNX_FILE_BYTES) {
    throw new EcommirError('ECM_ERR_NO_MODEL', `${file} is not an ONNX model: it holds ${size} bytes, more than the 2 GiB one protobuf message can (larger weights are kept in external data files)`, { item: { file }, statusCode: 503 });
  }
}

/**
 * A protobuf message starts with a field's tag: a field number of at least 1 and a wire type of 0, 1,
 * 2 or 5 (ONNX exporters write ir_version, 0x08, first). A file of zeros, or of text, fails here
 * rather than after onnxruntime has read all of it.
 */
function checkOnnxStart(file: string, start: Uint8Array): void {
  const tag = start[0];
  const wireType = tag & 7;
  if (start.length === 0 || tag >> 3 === 0 || ![0, 1, 2, 5].includes(wireType)) {
    throw new EcommirError('ECM_ERR_NO_MODEL', `${file} is not an ONNX model: it does not start as a protobuf message does${start.length === 0 ? ' (it is empty)' : ` (first byte 0x${tag.toString(16).padStart(2, '0')})`}`, { item: { file }, statusCode: 503 });
  }
}

async function readJsonFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    // A regular file only: a pipe hung the load, /dev/zero filled memory.
    text = readConfigTextSync(file);
  } catch (cause) {
    const why = unreadableReason(cause);
    throw new EcommirError('ECM_ERR_NO_MODEL', `no CLIP model folder at ${path.dirname(file)}: cannot read config.json (${why})`, { cause, item: { file }, statusCode: 503 });
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (cause) {
    throw new EcommirError('ECM_ERR_BAD_JSON', `${file} is not valid JSON: ${(cause as Error).message}`, { cause, item: { file } });
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function mustExist(file: string, what: string): Promise<void> {
  if (!(await exists(file))) throw new EcommirError('ECM_ERR_NO_MODEL', `missing ${what}: ${file}`, { item: { file }, statusCode: 503 });
}

/** A config file's bytes, as readConfigFileSync reads them (a 20 GB tokenizer.json was read whole). */
function readConfigBytes(file: string): Buffer {
  try {
    return readConfigFileSync(file);
  } catch (cause) {
    throw new EcommirError('ECM_ERR_NO_MODEL', `cannot read ${file}: ${unreadableReason(cause)}`, { cause, item: { file }, statusCode: 503 });
  }
}
