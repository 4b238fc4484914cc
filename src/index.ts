// The public API. Only this file re-exports.
export * from './types.js';
export * from './errors.js';
export { VERSION } from './version.js';
// Data layer: readers, writers, inspection.
export { loadSamples, parseRecordsText, type InputFormat, type LoadSamplesResult } from './data/load.js';
export { loadChallengeFile, loadChallengeRecords, parseChallengeRecord, type ChallengeParseOptions } from './data/challenge.js';
export { parseNativeSample, type NativeParseOptions } from './data/native.js';
export { detectTask, parseCandidates, parseDialogue, countImageMarkers, IMAGE_MARKER, LINK_MARKER } from './data/instruction.js';
export type { Problem, LoadOptions, LoadResult } from './data/problem.js';
export {
  SUBMISSION_COLUMNS,
  submissionCsv,
  writeSubmissionCsv,
  parseSubmissionCsv,
  readSubmissionCsv,
  readPredictedLabels,
  predictionsText,
  writePredictions,
  formatFromPath,
  type SubmissionRow,
  type PredictionFormat,
  type PredictionLookup,
} from './data/submission.js';
export { inspectSamples, formatInspectReport, type InspectReport, type TaskSummary } from './data/inspect.js';
// Labels.
export { Taxonomy, HIERARCHY_SEPARATOR, type TaxonomyFile, type TaxonomyLabel } from './labels/taxonomy.js';
// Denoising (rules as data in rules/denoise.json), splits, metrics and evaluation.
export { cleanDialogue, cleanSample, formatRemovals, splitSentences, type Removal, type CleanedDialogue, type CleanedSample, type DenoiseOptions } from './clean/denoise.js';
export { loadDenoiseRules, parseDenoiseRules, DEFAULT_RULES_PATH, type DenoiseRules, type DenoiseRule, type DenoiseLevel } from './clean/rules.js';
export { stratifiedSplit, stratifiedKFold, type Split } from './data/split.js';
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
} from './eval/metrics.js';
export { evaluatePredictions, evaluateLabels, type Evaluation, type TaskEvaluation, type EvaluateOptions } from './eval/evaluate.js';
export { formatEvaluation, formatClassificationReport, displayWidth } from './eval/report-text.js';
