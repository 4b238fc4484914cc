// `--backend embedded|mllm|clip`: one place that turns the command line's backend choice into the
// recognisers `predict`, `classify` and `serve` use. Tasks the chosen backend does not cover (the
// clip backend has no intent recogniser; `mllmTasks` may leave scenes out) are answered by the
// embedded models unless `fillFromEmbedded` is false; with `ensembleWithEmbedded` each backend
// recogniser is averaged with the embedded one of its task (which also answers when the mllm model
// answers off the label set).
import { EcommirError } from '../errors.js';
import { loadRecognizers, type ModelFiles } from '../tasks/default-models.js';
import type { Recognizer } from '../tasks/recognizer.js';
import { TASKS, type Task } from '../types.js';
import { createClipRecognizers } from './clip/index.js';
import { EnsembleRecognizer, type EnsembleMode } from './ensemble.js';
import { CONSTRAINTS, type Constraint } from './mllm/constrain.js';
import { MllmRecognizer } from './mllm/recognizer.js';

export const BACKENDS = ['embedded', 'mllm', 'clip'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface RecognizerSet {
  scene?: Recognizer;
  intent?: Recognizer;
}

export interface BackendSelection {
  backend: BackendName;
  /** Embedded model folders (default: the shipped models/). */
  sceneModel?: string;
  intentModel?: string;
  /** A model folder without a model leaves its task out (`serve --allow-missing-models`), instead of ECM_ERR_NO_MODEL. */
  allowMissingModels?: boolean;
  /** The embedded model files as read when the model version was taken: parsed instead of the folders (see ModelFiles). */
  modelFiles?: ModelFiles;
  /** mllm: the OpenAI-compatible server (`http://host:8000/v1`). */
  endpoint?: string;
  /** mllm: the served model name (with a LoRA adapter: the adapter's name). */
  model?: string;
  apiKey?: string;
  constrain?: Constraint;
  hierarchical?: boolean;
  timeoutMs?: number;
  concurrency?: number;
  maxImageSide?: number;
  maxImages?: number;
  /** mllm: the tasks asked of the LLM. Default both. */
  mllmTasks?: readonly Task[];
  /** clip: the model folder (transformers.js layout), and a trained adapter folder. */
  modelDir?: string;
  adapterDir?: string;
  /** Answer the tasks the backend does not cover with the embedded models. Default true. */
  fillFromEmbedded?: boolean;
  /** Average each backend recogniser with the embedded one. Default false. */
  ensembleWithEmbedded?: boolean;
  ensembleMode?: EnsembleMode;
  /** Weights of the backend and the embedded recogniser. Default [1, 1]. */
  ensembleWeights?: readonly [number, number];
}

export async function createRecognizers(selection: BackendSelection): Promise<RecognizerSet> {
  const embedded = () => loadRecognizers({ scene: selection.sceneModel, intent: selection.intentModel }, { allowMissing: selection.allowMissingModels, files: selection.modelFiles });
  if (selection.backend === 'embedded') return embedded();
  const chosen = selection.backend === 'mllm' ? mllmRecognizers(selection) : selection.backend === 'clip' ? await clipRecognizers(selection) : unknownBackend(selection.backend);
  if (!loadsEmbeddedModels(selection)) return chosen;
  const fill = selection.fillFromEmbedded ?? true;
  const base: RecognizerSet = await embedded();
  const out: RecognizerSet = {};
  for (const task of TASKS) {
    const own = chosen[task];
    const other = base[task];
    if (own && other && selection.ensembleWithEmbedded) out[task] = new EnsembleRecognizer(own, other, { mode: selection.ensembleMode, weights: selection.ensembleWeights });
    else if (own) out[task] = own;
    else if (other && fill) out[task] = other;
  }
  return out;
}

/**
 * The tasks the embedded models answer, alone or averaged with the backend: every task for the embedded
 * backend; with another, the tasks it answers when ensembled with them (`ensembleWithEmbedded`), and
 * the tasks it leaves to them (the clip backend answers scenes only; `mllmTasks` may leave one out)
 * unless `fillFromEmbedded` is false. A retrained embedded model made every answer of an LLM that never
 * consulted it count as stale: the service (src/cli/commands/serve.ts) serves a task the backend
 * answers alone under the backend's version.
 */
export function embeddedTasks(selection: BackendSelection): Task[] {
  if (selection.backend === 'embedded') return [...TASKS];
  const answered = backendTasks(selection);
  return TASKS.filter((task) => (answered.includes(task) ? selection.ensembleWithEmbedded === true : selection.fillFromEmbedded !== false));
}

/** The tasks a big-model backend answers (alone or with the embedded models); none for the embedded backend. */
export function backendTasks(selection: BackendSelection): readonly Task[] {
  return selection.backend === 'mllm' ? (selection.mllmTasks ?? TASKS) : selection.backend === 'clip' ? ['scene'] : [];
}

/**
 * Whether a selection loads the embedded models: when they answer a task (embeddedTasks). Their model
 * files are read (and their versions count in the model version, src/runtime/identity.ts) only then.
 */
export function loadsEmbeddedModels(selection: BackendSelection): boolean {
  return embeddedTasks(selection).length > 0;
}

function mllmRecognizers(s: BackendSelection): RecognizerSet {
  if (!s.endpoint) throw new EcommirError('ECM_ERR_BAD_OPTION', '--backend mllm needs --endpoint URL (an OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1)');
  if (!s.model) throw new EcommirError('ECM_ERR_BAD_OPTION', '--backend mllm needs --model NAME (the model name the server serves)');
  if (s.constrain !== undefined && !CONSTRAINTS.includes(s.constrain)) throw new EcommirError('ECM_ERR_BAD_OPTION', `--constrain must be one of ${CONSTRAINTS.join(', ')}, got ${s.constrain}`);
  const out: RecognizerSet = {};
  for (const task of s.mllmTasks ?? TASKS) {
    out[task] = new MllmRecognizer({
      task,
      endpoint: s.endpoint,
      model: s.model,
      apiKey: s.apiKey,
      constrain: s.constrain,
      hierarchical: s.hierarchical,
      timeoutMs: s.timeoutMs,
      concurrency: s.concurrency,
      maxImageSide: s.maxImageSide,
      maxImages: s.maxImages,
    });
  }
  return out;
}

async function clipRecognizers(s: BackendSelection): Promise<RecognizerSet> {
  if (!s.modelDir) throw new EcommirError('ECM_ERR_BAD_OPTION', '--backend clip needs --model-dir DIR (a CLIP / Chinese-CLIP folder in the transformers.js layout)');
  return createClipRecognizers({ modelDir: s.modelDir, adapterDir: s.adapterDir });
}

function unknownBackend(name: string): never {
  throw new EcommirError('ECM_ERR_BAD_OPTION', `--backend (backend in code) must be one of ${BACKENDS.join(', ')}, got ${name}`);
}
