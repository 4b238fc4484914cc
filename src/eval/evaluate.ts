// Scores predictions against gold samples per task and pooled over both tasks. The challenge's
// official score is scikit-learn's weighted F1 over all samples pooled (scene and intent labels
// together), which is `all.weightedF1` here.
import { EcommirError } from '../errors.js';
import type { Sample, Task } from '../types.js';
import { predictionsById, type PredictedLabel } from '../data/submission.js';
import {
  accuracyScore,
  classificationReport,
  confusionMatrix,
  f1Score,
  type ClassificationReport,
  type ConfusionMatrix,
} from './metrics.js';

export interface TaskEvaluation {
  n: number;
  weightedF1: number;
  macroF1: number;
  microF1: number;
  accuracy: number;
  /** Per-class precision/recall/F1/support plus averages (sklearn's classification_report). */
  report: ClassificationReport;
  confusion: ConfusionMatrix;
}

export interface Evaluation {
  /** Absent when the gold file has no sample of that task. */
  scene?: TaskEvaluation;
  intent?: TaskEvaluation;
  /** Both tasks pooled: the official challenge score is `all.weightedF1`. */
  all: TaskEvaluation;
  /** Prediction ids with no gold sample (only when `extraPredictions: 'ignore'`). */
  ignoredPredictionIds: string[];
  /** Predictions whose label is not in their task's label set (given in `labelSets`): scored as wrong, like any other miss. */
  outsideLabelSet: Array<{ id: string; task: Task; label: string }>;
}

export interface EvaluateOptions {
  /**
   * What to do with predictions whose id is not in the gold file. Default 'error': a prediction
   * file for another split is the usual cause, and scoring it silently would mislead.
   */
  extraPredictions?: 'error' | 'ignore';
  /** Each task's labels, to find predictions outside them (a prediction file of another label set, a typo). */
  labelSets?: Partial<Record<Task, readonly string[]>>;
  /** Names the gold file in errors. */
  goldFile?: string;
  predFile?: string;
}

/** Scores labelled `yTrue`/`yPred` pairs. */
export function evaluateLabels(yTrue: readonly string[], yPred: readonly string[]): TaskEvaluation {
  return {
    n: yTrue.length,
    weightedF1: f1Score(yTrue, yPred, { average: 'weighted' }),
    macroF1: f1Score(yTrue, yPred, { average: 'macro' }),
    microF1: f1Score(yTrue, yPred, { average: 'micro' }),
    accuracy: accuracyScore(yTrue, yPred),
    report: classificationReport(yTrue, yPred),
    confusion: confusionMatrix(yTrue, yPred),
  };
}

/**
 * Evaluates predicted labels against gold samples that carry labels, paired by sample id. A list of
 * predictions made for the gold file (the same id at each position, as `predict` writes it) is paired
 * by position instead, so that records sharing an id are each scored with their own prediction; so
 * is a plain list of labels (scikit-learn's y_pred).
 */
export function evaluatePredictions(
  gold: readonly Sample[],
  predictions: ReadonlyMap<string, string> | Readonly<Record<string, string>> | readonly PredictedLabel[] | readonly string[],
  options: EvaluateOptions = {},
): Evaluation {
  if (gold.length === 0) throw new EcommirError('ECM_ERR_BAD_RECORD', 'the gold file has no samples', { item: { file: options.goldFile } });
  if (Array.isArray(predictions)) {
    // A header-only CSV read as a list of none: "0 predicted labels for 40 gold samples" did not say so.
    if (predictions.length === 0) {
      throw new EcommirError('ECM_ERR_BAD_RECORD', `${options.predFile ? 'the file holds' : 'there are'} no predictions, for ${gold.length} gold samples`, options.predFile ? { item: { file: options.predFile } } : {});
    }
    // A list of labels in gold order, as scikit-learn's y_pred.
    if (predictions.every((p) => typeof p === 'string')) {
      if (predictions.length !== gold.length) throw new EcommirError('ECM_ERR_BAD_OPTION', `${predictions.length} predicted labels for ${gold.length} gold samples: a list of labels is paired by position`);
      return evaluatePairs(gold, predictions as readonly string[], options);
    }
    const shapeless = (predictions as readonly unknown[]).findIndex((p) => !p || typeof p !== 'object' || typeof (p as PredictedLabel).id !== 'string' || typeof (p as PredictedLabel).label !== 'string');
    if (shapeless >= 0) throw new EcommirError('ECM_ERR_BAD_OPTION', `prediction #${shapeless} is not {id, label}: give {id, label} objects, a list of labels in gold order, a Map or a Record of id → label`);
    const list = predictions as readonly PredictedLabel[];
    if (list.length === gold.length && list.every((p, i) => p.id === gold[i].id)) return evaluatePairs(gold, list.map((p) => p.label), options);
  } else if (!predictions || typeof predictions !== 'object') {
    throw new EcommirError('ECM_ERR_BAD_OPTION', `predictions must be {id, label} objects, a list of labels in gold order, a Map or a Record of id → label, got ${predictions === null ? 'null' : typeof predictions}`);
  }
  const predicted: ReadonlyMap<string, string> = Array.isArray(predictions)
    ? predictionsById(predictions as readonly PredictedLabel[], options.predFile ?? 'the predictions')
    : predictions instanceof Map
      ? predictions
      : new Map(Object.entries(predictions));
  const seen = new Set<string>();
  const unpredicted: Sample[] = [];
  const labels = gold.map((sample) => {
    const item = { id: sample.id, index: sample.index, file: options.goldFile };
    if (seen.has(sample.id)) {
      throw new EcommirError('ECM_ERR_BAD_RECORD', 'the gold file has this id twice, so predictions cannot be paired by id: give each record its own id, or score the predictions file `ecommir predict` wrote for this gold file (paired by position)', { item });
    }
    seen.add(sample.id);
    const label = predicted.get(sample.id);
    if (label === undefined) unpredicted.push(sample);
    return label ?? '';
  });
  if (unpredicted.length > 0) {
    // All of them counted, the first few named: one at a time took a run per missing id to find.
    const [first] = unpredicted;
    const more = unpredicted.length > 1 ? ` (${unpredicted.length} gold samples have none: ids ${unpredicted.slice(0, 5).map((s) => s.id).join(', ')}${unpredicted.length > 5 ? ', …' : ''})` : '';
    throw new EcommirError('ECM_ERR_BAD_RECORD', `no prediction for this gold sample${options.predFile ? ` in ${options.predFile}` : ''}${more}`, { item: { id: first.id, index: first.index, file: options.goldFile } });
  }
  const extra = [...predicted.keys()].filter((id) => !seen.has(id));
  if (extra.length > 0 && options.extraPredictions !== 'ignore') {
    const shown = extra.slice(0, 5).join(', ') + (extra.length > 5 ? `, … (${extra.length} in all)` : '');
    throw new EcommirError('ECM_ERR_BAD_RECORD', `predictions for ids that are not in the gold file: ${shown}`, {
      item: { id: extra[0], file: options.predFile },
    });
  }
  return { ...evaluatePairs(gold, labels, options), ignoredPredictionIds: extra };
}

/** Scores each gold sample against the predicted label at its position. */
function evaluatePairs(gold: readonly Sample[], predictedLabels: readonly string[], options: EvaluateOptions): Evaluation {
  const byTask: Record<Task, { yTrue: string[]; yPred: string[] }> = { scene: { yTrue: [], yPred: [] }, intent: { yTrue: [], yPred: [] } };
  const allTrue: string[] = [];
  const allPred: string[] = [];
  const outsideLabelSet: Evaluation['outsideLabelSet'] = [];
  const labelSets = Object.fromEntries(Object.entries(options.labelSets ?? {}).map(([task, labels]) => [task, new Set(labels)])) as Partial<Record<Task, Set<string>>>;
  gold.forEach((sample, i) => {
    if (typeof sample.label !== 'string' || sample.label === '') {
      throw new EcommirError('ECM_ERR_BAD_RECORD', 'gold sample has no label', { item: { id: sample.id, index: sample.index, file: options.goldFile } });
    }
    const label = predictedLabels[i];
    if (labelSets[sample.task] && !labelSets[sample.task]!.has(label)) outsideLabelSet.push({ id: sample.id, task: sample.task, label });
    byTask[sample.task].yTrue.push(sample.label);
    byTask[sample.task].yPred.push(label);
    allTrue.push(sample.label);
    allPred.push(label);
  });
  const evaluation: Evaluation = { all: evaluateLabels(allTrue, allPred), ignoredPredictionIds: [], outsideLabelSet };
  for (const task of ['scene', 'intent'] as const) {
    if (byTask[task].yTrue.length > 0) evaluation[task] = evaluateLabels(byTask[task].yTrue, byTask[task].yPred);
  }
  return evaluation;
}

/**
 * The challenge's pooled score: weighted F1 over the union of both tasks' samples, each with its own
 * gold label (scene and intent labels in one label set), as sklearn's f1_score on the concatenation —
 * the same figure as `evaluatePredictions(...).all.weightedF1`, from label lists instead of ids.
 */
export function pooledWeightedF1(parts: readonly { gold: readonly string[]; predicted: readonly string[] }[]): number {
  parts.forEach((p, i) => {
    if (p.gold.length !== p.predicted.length) throw new EcommirError('ECM_ERR_BAD_OPTION', `part ${i}: ${p.gold.length} gold labels for ${p.predicted.length} predictions`);
  });
  return f1Score(
    parts.flatMap((p) => p.gold),
    parts.flatMap((p) => p.predicted),
    { average: 'weighted' },
  );
}
