// `ecommir/data`: readers, writers and inspection of data files, splits and input limits, without
// the service stack. The root entry (index.ts) re-exports all of this. sharp (the image probes that
// check a data file's images) loads at the first image; test/library/sub-paths.test.ts checks what
// it loads.
export * from '../errors.js';
export * from '../types.js';
export { loadSamples, parseRecordsText, type InputFormat, type LoadSamplesResult } from '../data/load.js';
export { loadChallengeFile, loadChallengeRecords, parseChallengeRecord, type ChallengeParseOptions } from '../data/challenge.js';
export { parseNativeSample, sceneSampleOf, toNativeRecord, type NativeParseOptions } from '../data/native.js';
export { editDistance } from '../data/edit-distance.js';
export { detectTask, parseCandidates, parseDialogue, countImageMarkers, IMAGE_MARKER, LINK_MARKER } from '../data/instruction.js';
export type { Problem, LoadOptions, LoadResult } from '../data/problem.js';
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
} from '../data/submission.js';
export { inspectSamples, formatInspectReport, type InspectReport, type TaskSummary } from '../data/inspect.js';
export { stratifiedSplit, stratifiedKFold, stratifiedGroupKFold, stratifiedGroupSplit, type Split } from '../data/split.js';
export { DEFAULT_INPUT_LIMITS, resolveInputLimits, checkSample, checkSampleText, checkUserTurns, checkSampleImages, checkImageCount, type InputLimits, type SampleCheckOptions } from '../data/input-limits.js';
