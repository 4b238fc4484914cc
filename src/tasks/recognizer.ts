// The one face every recogniser shows, whichever backend is behind it (embedded, clip, mllm).
import type { Prediction, Sample, Task } from '../types.js';

export interface PredictOptions {
  /** Below this confidence the prediction is marked uncertain. */
  threshold?: number;
  /** How many ranked labels to return (all when omitted). */
  topK?: number;
  /** Explain the answer (Prediction.evidence). Default true; batch scoring turns it off to save time. */
  evidence?: boolean;
}

export interface Recognizer {
  readonly task: Task;
  /** The fine labels this recogniser can answer. */
  readonly labels: readonly string[];
  predict(sample: Sample, options?: PredictOptions): Promise<Prediction>;
}
