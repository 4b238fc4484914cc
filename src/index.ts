// The public API: everything, the service stack included (about a second to import). The light
// sub-paths (entry/*.ts: ecommir/metrics, ecommir/labels, ecommir/data) hold a part of it each and
// are re-exported here whole, so a name is the same binding whichever way it is imported.
export * from './types.js';
export * from './errors.js';
export { VERSION } from './version.js';
// Data layer: readers, writers, inspection, splits, input limits (ecommir/data).
export * from './entry/data.js';
// Labels (ecommir/labels).
export * from './entry/labels.js';
// Denoising (rules as data in rules/denoise.json).
export { cleanDialogue, cleanSample, formatMerges, formatRemovals, splitSentences, type Merge, type Removal, type CleanedDialogue, type CleanedSample, type DenoiseOptions } from './clean/denoise.js';
export { loadDenoiseRules, parseDenoiseRules, redosProblem, DEFAULT_RULES_PATH, type DenoiseRules, type DenoiseRule, type DenoiseLevel, type ParseRulesOptions, type PatternMemo, patternMemoKey } from './clean/rules.js';
// Metrics and evaluation (ecommir/metrics).
export * from './entry/metrics.js';
// Honest estimates: CV, nested CV (choices made inside each training fold), knowledge transfer, results.json.
export { crossValidate, type CrossValidationResult, type CrossValidationOptions, type Estimate, type FoldModel } from './eval/cross-validate.js';
export { nestedCrossValidate, selectConfiguration, summarizeChoices, type Candidate, type NestedCrossValidationResult } from './eval/nested-cv.js';
export { knowledgeTransfer, type TransferResult } from './eval/transfer.js';
export { hashDependencies, KNOWLEDGE_PATHS, CODE_PATHS, type Dependencies } from './eval/dependency-hash.js';
export { recordTaskResult, readResultsFile, type ResultsFile, type TaskResult } from './eval/results-file.js';
// Learning library: sparse matrices, optimisers, heads, calibration, soups, pseudo-labels.
export { createRng, type Rng } from './learn/random.js';
export { csrFromRows, csrFromDense, csrToDense, hstack, l2NormalizeRows, sliceRows, assertCsr, type CsrMatrix, type SparseRow, type HstackBlock } from './learn/csr.js';
export { Adam, Sgd, createOptimizer, type Optimizer, type AdamOptions, type SgdOptions, type OptimizerName } from './learn/optim.js';
export { argmaxRows, coarseProbabilities, softmaxRowsInPlace, type Classifier, type FitOptions } from './learn/head.js';
export { SoftmaxRegression, softmaxRegressionLoss, type SoftmaxRegressionOptions, type SoftmaxRegressionJson } from './learn/softmax-regression.js';
export { MlpClassifier, mlpLoss, mlpLayout, type MlpOptions, type MlpJson, type MlpShape, type Activation } from './learn/mlp.js';
export { createLearner, learnerFromJSON, registerLearner, specOf, type Learner, type LearnerJson, type LearnerSpec } from './learn/learner.js';
export { LinearSvm, solveBinarySvmDual, type LinearSvmOptions, type LinearSvmJson } from './learn/linear-svm.js';
export { NaiveBayes, type NaiveBayesOptions, type NaiveBayesJson } from './learn/naive-bayes.js';
export { CosineKnn, type CosineKnnOptions, type CosineKnnJson } from './learn/knn.js';
export { outOfFoldProba, groupedFolds, type EnsembleFitOptions, type OutOfFoldOptions, type OutOfFoldResult } from './learn/out-of-fold.js';
export { StackingClassifier, DEFAULT_META, type StackingOptions, type StackingJson } from './learn/stacking.js';
export { SelectedEnsemble, greedyEnsembleSelection, weightedF1OfProba, type SelectedEnsembleOptions, type SelectedEnsembleJson, type EnsembleSelectionResult } from './learn/ensemble-selection.js';
export { fitTemperature, applyTemperature, temperatureNll, expectedCalibrationError, type CalibrationReport, type ReliabilityBin } from './learn/calibration.js';
export { uniformSoup, greedySoup, type GreedySoupResult, type ParameterVector } from './learn/soup.js';
export { selectPseudoLabels, type PseudoLabelSelection } from './learn/pseudo.js';
// Text features.
export { normaliseText, type NormaliseOptions } from './features/text/normalise.js';
export { charNgrams, wordNgrams, type CharNgramOptions } from './features/text/ngrams.js';
export { TfidfVectorizer, type TfidfOptions, type TfidfJson } from './features/text/tfidf.js';
export { FeatureUnion, analyse, type AnalyzerSpec, type TextViewSpec, type MultiViewDoc, type FeatureUnionJson } from './features/text/feature-union.js';
export { zh, type LanguagePack } from './features/lang/zh.js';
// The two tasks: pipeline('intent' | 'scene') as in transformers.js, and the recognisers behind it (fit, predict, save, load).
export { pipeline, type RecognitionPipeline, type PipelineOptions, type IntentInput, type SceneInput } from './tasks/pipeline.js';
export { loadRecognizers, DEFAULT_MODELS_DIR, type LoadedRecognizers } from './tasks/default-models.js';
export { checkPredictOptions, type Recognizer, type PredictOptions } from './tasks/recognizer.js';
export { IntentRecognizer, type IntentTrainingOptions } from './tasks/intent/recognizer.js';
export { defaultIntentOptions, type DefaultIntentRecipeOptions } from './tasks/intent/default-recipe.js';
export { SceneRecognizer, type SceneTrainingOptions, type SceneFusionOptions, type SceneKnowledgeRows } from './tasks/scene/recognizer.js';
// Recognisers off the event loop: worker pools (threads, processes) and the service's text and image lanes.
export { RecognizerPool, type RecognizerPoolOptions, type PoolStats } from './runtime/pool.js';
export { WorkerLanes, InProcessLanes, laneOf, LANES, DEFAULT_LANES, type Lane, type LaneOptions, type LaneStats, type RecognizerRuntime } from './runtime/lanes.js';
export { backendSource, loadRecognizerSource, type RecognizerSource } from './runtime/source.js';
export { modelIdentity, modelVersion, sampleContent, predictionKey, type SampleContent } from './runtime/identity.js';
export { localPredictor, PooledPredictor, PredictionLog, keySamples, uniqueByKey, forEachConcurrent, type SamplePredictor, type KeyedSample, type LocalPredictorOptions } from './runtime/batch-predict.js';
export { runFeaturePass, extractAllInPool, sceneFeaturePass, type FeaturePassOptions, type FeaturePassResult } from './runtime/feature-pass.js';
export { startQueueWorker, runOnQueue, QUEUE_PREFIX, queueName, jobIdOf, DEFAULT_JOB_OPTIONS, type QueueRunOptions, type QueueWorker, type QueueWorkerOptions, type PredictJobData, type JobImage, type JobDefaults } from './queue/index.js';
export { setVisionThreads, visionThreads, threadsPerWorker } from './vision/threads.js';
// HTTP service.
export { buildApp } from './server/app.js';
export { DEFAULT_SERVER_LIMITS, type BuildAppOptions, type ServerLimits, type RecognizerPair, type AuthOptions, type WorkerOptions } from './server/options.js';
// Vision features: fast OCR, layout vector, image embedding, augmentation; the feature cache and extraction.
export { OcrEngine, sharedOcrEngine, inReadingOrder, ocrOutputSignature, DEFAULT_OCR_OPTIONS, type OcrLine, type OcrResult, type OcrOptions, type NormalisedBox } from './vision/ocr.js';
export { layoutFeatures, linesByRegion, layoutExtractor, LAYOUT_BLOCKS, LAYOUT_LENGTH, LAYOUT_VERSION, TOP_BAR, BOTTOM_BAR, type LayoutBlock, type RegionLines } from './vision/layout.js';
export { ImageEmbedder, sharedImageEmbedder, embeddingExtractor, embeddingLength, EMBEDDING_SIZE, DEFAULT_EMBEDDING_OPTIONS, type EmbeddingOptions, type EmbeddingPooling } from './vision/embedding.js';
export {
  trivialAugment,
  trivialAugmentCopy,
  applyTrivialOp,
  ecommerceAugment,
  seededRandom,
  TRIVIAL_AUGMENT_OPS,
  DEFAULT_ECOMMERCE_AUGMENT,
  type TrivialOp,
  type AugmentResult,
  type EcommerceAugmentOptions,
} from './vision/augment.js';
export { FeatureCache, cacheDir, sha256Hex, jsonCodec, float32ListCodec, setDefaultFeatureCacheOptions, DEFAULT_CACHE_MAX_BYTES, type CacheKey, type CacheCodec, type CacheStats, type FeatureCacheOptions } from './features/cache.js';
export { Progress, formatDuration, type ProgressOptions, type ProgressSnapshot } from './features/progress.js';
export { extractImageFeatures, extractAll, listDatasetImages, OCR_EXTRACTOR_VERSION, ocrCacheKey, type ImageFeatures, type VectorExtractor, type ExtractOptions, type ImageJob, type ExtractRunSummary } from './features/extract.js';
// clip backend: CLIP / Chinese-CLIP / SigLIP from a local transformers.js folder; zero-shot, adapters, soups.
export {
  createClipRecognizers,
  ClipSceneRecognizer,
  ClipModel,
  ClipEmbedder,
  trainClipAdapter,
  DEFAULT_PROMPT_TEMPLATES,
  ADAPTER_MODES,
  type ClipBackendOptions,
  type ClipSceneOptions,
  type ClipSceneFitOptions,
  type ClipSceneFitReport,
  type ClipDtype,
  type ClipLayout,
  type AdapterMode,
  type AdapterTrainingOptions,
  type AdapterTrainingReport,
} from './backends/clip/index.js';
// Big-model backends: the mllm recogniser (OpenAI-compatible engine), fine-tuning exports, ensembling, backend selection.
export { MllmRecognizer, OffLabelAnswerError, CHALLENGE_MAX_CALLS, CHALLENGE_MAX_TOKENS, type MllmOptions } from './backends/mllm/recognizer.js';
export { ChatClient, TransientCallError, chatCompletionsUrl, DEFAULT_TIMEOUT_MS, type ChatClientOptions, type ChatRequest, type ChatAnswer, type ChatMessage, type ChatContentPart } from './backends/mllm/client.js';
export { CONSTRAINTS, constraintFields, choiceGrammar, type Constraint } from './backends/mllm/constrain.js';
export { matchLabel, type LabelMatch, type MatchKind } from './backends/mllm/answer.js';
export { buildLabelPrompt, answerChoices, answerFor, userTextWithTags, type LabelPrompt, type PromptPart, type PromptOptions } from './backends/mllm/prompt.js';
export { exportSft, llamaFactoryDatasetInfo, SFT_FORMATS, type SftFormat, type SftRecord, type SftMessage, type SftExportOptions, type SftExportSummary } from './backends/export/sft.js';
export { exportClipPairs, clipLabelText, urlsafeBase64, type ClipExportOptions, type ClipExportSummary, type ClipTextLine } from './backends/export/clip-pairs.js';
export { validateSwiftRecord, validateSwiftJsonl, validateSharegptRecord, validateDatasetInfoEntry, validateLlamaFactoryDataset, validateClipSplit, type SharegptTags } from './backends/export/validate.js';
export { EnsembleRecognizer, agreedPseudoLabels, type EnsembleMode, type EnsembleOptions } from './backends/ensemble.js';
export { createRecognizers, BACKENDS, type BackendName, type BackendSelection, type RecognizerSet } from './backends/select.js';
// Knowledge: synthetic labelled samples written from the knowledge files (knowledge/).
export { synthesizeIntentSamples, checkIntentKnowledge, BLANK_PNG, type IntentSynthOptions, type SyntheticImages } from './knowledge/intent-synth.js';
export { loadIntentKnowledge, defaultIntentKnowledgeDir, type IntentKnowledge, type LabelKnowledge, type ProductCategory } from './knowledge/intent-knowledge.js';
// Hand-written intent dialogues (knowledge/intent-dialogues/): a second, independent author's whole conversations.
export { loadHandwrittenIntentDialogues, defaultHandwrittenIntentDir, type HandwrittenIntentOptions } from './knowledge/handwritten-intent.js';
// Scene knowledge (knowledge/scene/): synthetic pages, their rendering as screenshots, and labelled data sets of them.
export { synthesizeScenePages, synthesizeScenePage, pageText, type ScenePage, type SynthesizeOptions as SceneSynthesizeOptions } from './knowledge/scene-pages.js';
export { renderScenePage, type RenderOptions as SceneRenderOptions, type RenderedImage } from './knowledge/render-screenshot.js';
export { writeSyntheticScenes, SCENE_GENERATOR_VERSION, type WriteScenesOptions, type WriteScenesSummary } from './knowledge/scene-dataset.js';
export { loadSceneKnowledge, type SceneKnowledge, type LabelKnowledge as SceneLabelKnowledge } from './knowledge/scene-knowledge.js';
// Human in the loop: the feedback database, the review queue's order, exports and merges for training, checked model swaps.
export { FeedbackStore, DEFAULT_MAX_AGE_DAYS, DEFAULT_MAX_IMAGE_BYTES, type FeedbackStoreOptions, type PredictionRecord, type StoredPrediction, type StoredTurn, type CorrectionResult, type PruneReport } from './feedback/store.js';
export { MIGRATIONS, SCHEMA_VERSION, type Migration } from './feedback/migrations.js';
export { orderForReview, orderForReviewAsync, DEFAULT_DIVERSITY, DEFAULT_DUPLICATE_SIMILARITY, type ReviewCandidate, type ReviewOrderOptions, type Ordered } from './feedback/review-order.js';
export { uncertaintyOf, informativeness, type Uncertainty, type Informativeness } from './feedback/uncertainty.js';
export { similarity, textTokens, jaccard, dHashSimilarity, SKETCH_SIZE, type SimilaritySignature, type TokenSketch } from './feedback/similarity.js';
export { imageDHash } from './vision/difference-hash.js';
export { storableContent, contentHashOf, type StorableContent } from './feedback/content.js';
export { exportFeedback, type ExportReport, type FeedbackRecord } from './feedback/export.js';
export { mergeFeedback, describeMerge, type FeedbackMergeReport } from './feedback/merge.js';
export { SwappableRuntime, modelVersionOf, checkCompatible, smokeTest, type ModelFolders, type ServedGeneration, type ServedBackend, type ServedModel, type ServedPrediction, type SwapReport, type SwappableRuntimeOptions } from './runtime/swap.js';
