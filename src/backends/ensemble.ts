// Two recognisers of the same task as one (e.g. the embedded default with the mllm backend):
// - 'average':   the weighted mean of their ranked lists' confidences, label by label;
// - 'agreement': the same mean, but a prediction is certain only when both recognisers give the
//                same label with confidence ≥ `agreementThreshold` each (the paper's high-confidence
//                selection of pseudo-labels); otherwise it is marked uncertain.
// When one side fails with an error `fallbackOn` accepts (default: the mllm model answering off the
// label set), the other side's prediction is returned alone; any other error is thrown.
import { EcommirError } from '../errors.js';
import type { PredictOptions, Recognizer } from '../tasks/recognizer.js';
import type { Prediction, RankedLabel, Sample, Task } from '../types.js';
import { HIERARCHY_SEPARATOR } from '../labels/taxonomy.js';
import { OffLabelAnswerError } from './mllm/recognizer.js';

export type EnsembleMode = 'average' | 'agreement';
export const DEFAULT_ENSEMBLE_MODE: EnsembleMode = 'average';
export const DEFAULT_ENSEMBLE_WEIGHTS: readonly [number, number] = [1, 1];

export interface EnsembleOptions {
  mode?: EnsembleMode;
  /** Weights of the first and second recogniser. Default [1, 1]. */
  weights?: readonly [number, number];
  /** Agreement mode: the confidence each side needs. Default 0.99 (the paper's pseudo-label bar). */
  agreementThreshold?: number;
  /** Average mode: below this ensemble confidence the prediction is uncertain. Default 0. */
  threshold?: number;
  /** Errors after which the other side answers alone. Default: OffLabelAnswerError. */
  fallbackOn?: (error: unknown) => boolean;
}

export class EnsembleRecognizer implements Recognizer {
  readonly task: Task;
  readonly labels: readonly string[];
  private readonly mode: EnsembleMode;
  private readonly weights: readonly [number, number];
  private readonly agreementThreshold: number;
  private readonly threshold: number;
  readonly fallbackOn: (error: unknown) => boolean;

  constructor(
    readonly first: Recognizer,
    readonly second: Recognizer,
    options: EnsembleOptions = {},
  ) {
    if (first.task !== second.task) throw new EcommirError('ECM_ERR_BAD_OPTION', `cannot ensemble a ${first.task} recogniser with a ${second.task} one`);
    this.task = first.task;
    // The union, first recogniser's order first: a label only one side knows gets 0 from the other.
    this.labels = [...new Set([...first.labels, ...second.labels])];
    this.mode = options.mode ?? DEFAULT_ENSEMBLE_MODE;
    if (this.mode !== 'average' && this.mode !== 'agreement') throw new EcommirError('ECM_ERR_BAD_OPTION', `ensemble mode must be average or agreement, got ${this.mode}`);
    this.weights = options.weights ?? DEFAULT_ENSEMBLE_WEIGHTS;
    if (this.weights.length !== 2 || this.weights.some((w) => !(w >= 0)) || this.weights[0] + this.weights[1] <= 0) {
      throw new EcommirError('ECM_ERR_BAD_OPTION', `ensemble weights must be two non-negative numbers, not both 0, got ${JSON.stringify(this.weights)}`);
    }
    this.agreementThreshold = options.agreementThreshold ?? 0.99;
    this.threshold = options.threshold ?? 0;
    this.fallbackOn = options.fallbackOn ?? ((error) => error instanceof OffLabelAnswerError);
  }

  async predict(sample: Sample, options: PredictOptions = {}): Promise<Prediction> {
    const started = performance.now();
    const [a, b] = await Promise.allSettled([this.first.predict(sample, { signal: options.signal }), this.second.predict(sample, { signal: options.signal })]);
    if (a.status === 'rejected' || b.status === 'rejected') {
      const failed = a.status === 'rejected' ? a : (b as PromiseRejectedResult);
      const other = a.status === 'rejected' ? b : a;
      if (other.status === 'fulfilled' && this.fallbackOn(failed.reason)) return this.alone(other.value, options, started);
      throw failed.reason;
    }
    return this.combine(sample, a.value, b.value, options, started);
  }

  get readsSceneModel(): boolean {
    return this.first.readsSceneModel === true || this.second.readsSceneModel === true;
  }

  /** A side that may read pixels makes the pair read them (absent counts as reading, as in Recognizer). */
  get readsImages(): boolean {
    return this.first.readsImages !== false || this.second.readsImages !== false;
  }

  /** True when both sides agree on the label, each at least `agreementThreshold` sure. */
  agrees(a: Prediction, b: Prediction): boolean {
    return a.label === b.label && a.confidence >= this.agreementThreshold && b.confidence >= this.agreementThreshold;
  }

  private combine(sample: Sample, a: Prediction, b: Prediction, options: PredictOptions, started: number): Prediction {
    const [wa, wb] = this.weights;
    const coarse = new Map<string, string>();
    const score = new Map<string, number>(this.labels.map((l) => [l, 0]));
    for (const [prediction, weight] of [[a, wa], [b, wb]] as const) {
      for (const r of prediction.ranked) {
        coarse.set(r.label, coarse.get(r.label) ?? r.coarse);
        score.set(r.label, (score.get(r.label) ?? 0) + (weight * r.confidence) / (wa + wb));
      }
    }
    const order = [...score.keys()].sort((x, y) => score.get(y)! - score.get(x)! || this.labels.indexOf(x) - this.labels.indexOf(y));
    const ranked: RankedLabel[] = order.map((label) => ({ label, coarse: coarse.get(label) ?? '', confidence: score.get(label)! }));
    let best = ranked[0];
    let uncertain = best.confidence < (options.threshold ?? this.threshold);
    if (this.mode === 'agreement') {
      const agreed = this.agrees(a, b);
      uncertain = !agreed;
      // When both agree, the agreed label leads even if the averaged list would say otherwise
      // (it cannot with proper distributions, but a side's list may be truncated).
      if (agreed && best.label !== a.label) best = ranked.find((r) => r.label === a.label) ?? best;
    }
    const top = options.topK === undefined ? ranked : ranked.slice(0, options.topK);
    return {
      id: sample.id,
      task: sample.task,
      label: best.label,
      coarse: best.coarse,
      hierarchical: best.coarse ? best.coarse + HIERARCHY_SEPARATOR + best.label : best.label,
      confidence: best.confidence,
      uncertain,
      ranked: top,
      evidence: [...(a.evidence ?? []), ...(b.evidence ?? [])].sort((x, y) => Math.abs(y.weight) - Math.abs(x.weight)).slice(0, 10),
      ms: performance.now() - started,
    };
  }

  private alone(prediction: Prediction, options: PredictOptions, started: number): Prediction {
    const ranked = options.topK === undefined ? prediction.ranked : prediction.ranked.slice(0, options.topK);
    const uncertain = this.mode === 'agreement' ? true : prediction.confidence < (options.threshold ?? this.threshold);
    return { ...prediction, ranked, uncertain, ms: performance.now() - started };
  }
}

/** The samples both recognisers label alike with high confidence: pseudo-labels for training. */
export async function agreedPseudoLabels(ensemble: EnsembleRecognizer, samples: readonly Sample[]): Promise<{ sample: Sample; label: string; confidence: number }[]> {
  const out: { sample: Sample; label: string; confidence: number }[] = [];
  for (const sample of samples) {
    const [a, b] = await Promise.allSettled([ensemble.first.predict(sample), ensemble.second.predict(sample)]);
    for (const side of [a, b]) if (side.status === 'rejected' && !ensemble.fallbackOn(side.reason)) throw side.reason;
    // A side that could not answer (off the label set) is no agreement.
    if (a.status === 'fulfilled' && b.status === 'fulfilled' && ensemble.agrees(a.value, b.value)) {
      out.push({ sample: { ...sample, label: a.value.label }, label: a.value.label, confidence: Math.min(a.value.confidence, b.value.confidence) });
    }
  }
  return out;
}
