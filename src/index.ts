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
