// The clip backend's entry point (`--backend clip --model-dir DIR`): a scene recogniser over a local
// CLIP-family folder, zero-shot from the taxonomy's prompts, or with a trained adapter when `adapterDir`
// names a folder written by ClipSceneRecognizer.save().
import type { FeatureCache } from '../../features/cache.js';
import type { Taxonomy } from '../../labels/taxonomy.js';
import type { Recognizer } from '../../tasks/recognizer.js';
import type { ClipDtype } from './model.js';
import { ClipSceneRecognizer } from './recognizer.js';

export interface ClipBackendOptions {
  /** CLIP / Chinese-CLIP / SigLIP folder in the transformers.js layout. */
  modelDir: string;
  /** A trained adapter folder (model.json of kind clip-scene); zero-shot when omitted. */
  adapterDir?: string;
  taxonomy?: Taxonomy;
  /** Prompt templates with {label}, {coarse}, {description}. */
  templates?: readonly string[];
  dtype?: ClipDtype;
  logitScale?: number;
  cache?: FeatureCache;
}

/** The recognisers the clip backend offers: scene only (intent comes from the other backends). */
export async function createClipRecognizers(options: ClipBackendOptions): Promise<{ scene?: Recognizer; intent?: Recognizer }> {
  const scene = options.adapterDir
    ? await ClipSceneRecognizer.load(options.adapterDir, { modelDir: options.modelDir, cache: options.cache })
    : await ClipSceneRecognizer.create(options);
  return { scene };
}

export { ClipSceneRecognizer, CLIP_SCENE_KIND, CLIP_SCENE_VERSION, type ClipSceneOptions, type ClipSceneFitOptions, type ClipSceneFitReport } from './recognizer.js';
export { ClipModel, type ClipDtype, type ClipLayout, type ClipModelInfo, type ClipModelOptions } from './model.js';
export { ClipEmbedder, CLIP_EMBEDDING_VERSION, l2Normalised } from './embeddings.js';
export { DEFAULT_PROMPT_TEMPLATES, labelPrompts, zeroShotLabelEmbeddings, checkTemplates } from './prompts.js';
export { adapterForward, adapterLayout, initialAdapter, trainableMask, parameterCount, ADAPTER_MODES, type AdapterMode, type AdapterShape } from './adapter.js';
export { trainClipAdapter, type AdapterTrainingOptions, type AdapterTrainingReport, type TrainedAdapter } from './train-adapter.js';
