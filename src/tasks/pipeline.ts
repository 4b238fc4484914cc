// `pipeline('intent')` and `pipeline('scene')`, as transformers.js has it: one call loads the model,
// and the function it gives back takes what a caller has at hand (a question, a dialogue record, an
// image's path or bytes; a list of them for a batch) and answers with the ranked labels. Every input
// passes the input limits the CLI and the HTTP API apply (README, *Limits*), so the three refuse
// the same samples with the same errors.
import { checkSample } from '../data/input-limits.js';
import { parseNativeSample, sceneSampleOf } from '../data/native.js';
import { EcommirError } from '../errors.js';
import type { Prediction, Sample, Task } from '../types.js';
import { loadRecognizers } from './default-models.js';
import type { PredictOptions, Recognizer } from './recognizer.js';

/** A dialogue: one user question as text, or a native record `{dialogue: [{role, text, images?}]}`. */
export type IntentInput = string | Readonly<Record<string, unknown>> | Sample;
/** An image: a file path or data URL, its bytes, or a native record `{image}`. */
export type SceneInput = string | Uint8Array | Readonly<Record<string, unknown>> | Sample;

export interface PipelineOptions {
  /** A model folder (`ecommir train … --out DIR`); default the shipped model. */
  model?: string;
}

export interface RecognitionPipeline<Input> {
  (input: Input, options?: PredictOptions): Promise<Prediction>;
  (inputs: readonly Input[], options?: PredictOptions): Promise<Prediction[]>;
  readonly task: Task;
  /** The labels the model answers. */
  readonly labels: readonly string[];
  /** The recogniser behind it, for `predict(sample)` on samples loaded with loadSamples. */
  readonly recognizer: Recognizer;
}

export async function pipeline(task: 'intent', options?: PipelineOptions): Promise<RecognitionPipeline<IntentInput>>;
export async function pipeline(task: 'scene', options?: PipelineOptions): Promise<RecognitionPipeline<SceneInput>>;
export async function pipeline(task: Task, options: PipelineOptions = {}): Promise<RecognitionPipeline<IntentInput> | RecognitionPipeline<SceneInput>> {
  if (task !== 'intent' && task !== 'scene') throw new EcommirError('ECM_ERR_UNKNOWN_TASK', `pipeline takes "intent" or "scene", got ${JSON.stringify(task)}`);
  const loaded = await loadRecognizers(options.model === undefined ? {} : { [task]: options.model });
  const recognizer = loaded[task];
  if (!recognizer) throw new EcommirError('ECM_ERR_NO_MODEL', `no ${task} model is shipped in this install; give one with {model: DIR}`, { statusCode: 503 });
  const classify = async (input: unknown, predictOptions: PredictOptions = {}): Promise<Prediction | Prediction[]> => {
    const batch = Array.isArray(input);
    const samples = (batch ? (input as unknown[]) : [input]).map((one, index) => sampleOf(task, one, index));
    // Checked before any is classified: a bad item in a batch costs no model time. The options are
    // checked once, by predictMany, before its first sample.
    for (const sample of samples) await checkSample(sample);
    const predictions = await recognizer.predictMany(samples, predictOptions);
    return batch ? predictions : predictions[0];
  };
  return Object.assign(classify, { task, labels: recognizer.labels, recognizer }) as RecognitionPipeline<IntentInput> | RecognitionPipeline<SceneInput>;
}

function isSample(value: object): value is Sample {
  return Array.isArray((value as Sample).turns) && Array.isArray((value as Sample).images) && typeof (value as Sample).task === 'string';
}

function sampleOf(task: Task, input: unknown, index: number): Sample {
  if (typeof input === 'string') {
    return task === 'intent' ? parseNativeSample({ task, dialogue: [{ role: 'user', text: input }] }, index) : parseNativeSample({ task, image: input }, index);
  }
  if (task === 'scene' && input instanceof Uint8Array) return sceneSampleOf({ name: `image #${index}`, bytes: input }, `#${index}`, index);
  if (input === null || typeof input !== 'object') {
    const takes = task === 'intent' ? 'a question as text or a record {dialogue: [{role, text}]}' : 'an image path, its bytes or a record {image}';
    throw new EcommirError('ECM_ERR_BAD_RECORD', `pipeline('${task}') takes ${takes}, got ${input === null ? 'null' : typeof input}`, { item: { index } });
  }
  if (isSample(input)) {
    if (input.task !== task) throw new EcommirError('ECM_ERR_UNKNOWN_TASK', `pipeline('${task}') got a ${input.task} sample`, { item: { id: input.id, index } });
    return input;
  }
  const record = input as Record<string, unknown>;
  const sample = parseNativeSample({ task, ...record }, index);
  if (sample.task !== task) throw new EcommirError('ECM_ERR_UNKNOWN_TASK', `pipeline('${task}') got a ${sample.task} record`, { item: { id: sample.id, index } });
  return sample;
}
