// The one face every recogniser shows, whichever backend is behind it (embedded, clip, mllm).
import { TASKS, type Prediction, type Sample, type Task } from '../types.js';
import { EcommirError } from '../errors.js';
import type { Taxonomy } from '../labels/taxonomy.js';
import { candidatePositions } from './rank.js';

export interface PredictOptions {
  /** Below this confidence the prediction is marked uncertain. */
  threshold?: number;
  /** How many ranked labels to return (all when omitted). */
  topK?: number;
  /** Explain the answer (Prediction.evidence). Default true; batch scoring turns it off to save time. */
  evidence?: boolean;
  /**
   * Gives up what has not been done when it aborts (a request past its deadline): a recogniser that
   * calls a server (mllm) drops its waiting and running calls and rejects with the signal's reason. A
   * recogniser that computes in place finishes regardless. Never sent to a worker: the runtimes keep it.
   */
  signal?: AbortSignal;
}

export interface Recognizer {
  readonly task: Task;
  /** The fine labels this recogniser can answer. */
  readonly labels: readonly string[];
  /**
   * True when its answers depend on the scene model as well as its own (an intent model that describes
   * the user's images with it): the service then versions them by both files.
   */
  readonly readsSceneModel?: boolean;
  /**
   * False when its answer never reads the pixels of a sample's images (the shipped intent model reads
   * the text alone). Absent counts as true: the service then checks a dialogue's images and answers it
   * in the image lane (lanes.ts), as it must for a model that reads them.
   */
  readonly readsImages?: boolean;
  predict(sample: Sample, options?: PredictOptions): Promise<Prediction>;
}

/** The tasks whose recogniser's answers follow the scene model too (Recognizer.readsSceneModel). */
export function tasksReadingSceneModel(recognizers: Partial<Record<Task, Recognizer>>): Task[] {
  return TASKS.filter((task) => recognizers[task]?.readsSceneModel === true);
}

/** The tasks whose recogniser may read a sample's pixels (Recognizer.readsImages not false). */
export function tasksReadingImages(recognizers: Partial<Record<Task, Recognizer>>): Task[] {
  return TASKS.filter((task) => recognizers[task] !== undefined && recognizers[task].readsImages !== false);
}

/** Refuses what is no sample (null, a string) before any feature is computed, naming the recogniser's task. */
export function checkSamples(samples: readonly Sample[], task: Task, taxonomy?: Taxonomy): void {
  if (!Array.isArray(samples)) throw new EcommirError('ECM_ERR_BAD_OPTION', `the ${task} recogniser takes a list of samples, got ${typeof samples}`);
  samples.forEach((s, index) => {
    if (!s || typeof s !== 'object' || !Array.isArray(s.turns) || !Array.isArray(s.images)) {
      throw new EcommirError('ECM_ERR_BAD_RECORD', `the ${task} recogniser takes samples as parseNativeSample or loadSamples make them, got ${s === null ? 'null' : typeof s} (pipeline('${task}') takes plain text, records and images)`, { item: { index } });
    }
    if (s.task !== task) throw new EcommirError('ECM_ERR_UNKNOWN_TASK', `the ${task} recogniser got a ${s.task} sample`, { item: { id: s.id, index: s.index } });
    // Before any work: a candidate that is no label of the model would fail the answer after it.
    if (taxonomy) candidatePositions(s, taxonomy);
  });
}

/**
 * Refuses predict options a caller from plain JavaScript can get wrong (`topK: 0` threw a TypeError,
 * `topK: -1` dropped a label, `threshold: 'x'` was never met), naming the option.
 */
export function checkPredictOptions(options: PredictOptions): void {
  const { topK, threshold, evidence } = options;
  if (topK !== undefined && !(Number.isSafeInteger(topK) && topK >= 1)) {
    throw new EcommirError('ECM_ERR_BAD_OPTION', `topK must be an integer ≥ 1, got ${JSON.stringify(topK)}`);
  }
  // Above 1 is allowed: every answer is then marked uncertain (routed to a person).
  if (threshold !== undefined && !(typeof threshold === 'number' && Number.isFinite(threshold) && threshold >= 0)) {
    throw new EcommirError('ECM_ERR_BAD_OPTION', `threshold must be a number ≥ 0 (a confidence, 0–1), got ${JSON.stringify(threshold)}`);
  }
  if (evidence !== undefined && typeof evidence !== 'boolean') throw new EcommirError('ECM_ERR_BAD_OPTION', `evidence must be true or false, got ${JSON.stringify(evidence)}`);
}
