// `ecommir/metrics`: the evaluation metrics, without the service stack. The root entry (index.ts)
// re-exports all of this; importing it alone loads a few small modules instead of fastify, SQLite,
// onnxruntime, canvas and BullMQ (test/library/sub-paths.test.ts checks that).
export * from '../errors.js';
export * from '../types.js';
export {
  precisionRecallFscoreSupport,
  f1Score,
  accuracyScore,
  confusionMatrix,
  classificationReport,
  uniqueLabels,
  compareCodePoints,
  type Average,
  type ZeroDivision,
  type MetricOptions,
  type PerClassScores,
  type AveragedScores,
  type ConfusionMatrix,
  type ClassificationReport,
  type ReportRow,
} from '../eval/metrics.js';
export { evaluatePredictions, evaluateLabels, pooledWeightedF1, type Evaluation, type TaskEvaluation, type EvaluateOptions } from '../eval/evaluate.js';
export { formatEvaluation, formatClassificationReport, displayWidth } from '../eval/report-text.js';
