// The shipped embedded models (models/scene, models/intent) or a user's model folders, loaded once.
// The intent recogniser reads the user's images through the scene recogniser (their OCR text and
// predicted scene) when it was trained that way.
import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isMissingPath } from '../data/read-file.js';
import { EcommirError } from '../errors.js';
import type { Task } from '../types.js';
import { fileURLToPath } from 'node:url';
import { IntentRecognizer } from './intent/recognizer.js';
import { SceneRecognizer } from './scene/recognizer.js';
import { MODEL_FILE } from './model-file.js';
import { SceneImageDescriber } from './intent/scene-image-describer.js';

/** models/ at the package root, from src/tasks/ and dist/tasks/ alike. */
export const DEFAULT_MODELS_DIR = fileURLToPath(new URL('../../models/', import.meta.url));

/**
 * The sha256 of each task's model file when its model version was taken (runtime/identity.ts): a
 * worker loading later refuses other bytes (ReadModelOptions.digest). Null: there was no file, so a
 * worker loading later leaves out one written since (its version says the task has no model).
 */
export type ModelDigests = Partial<Record<Task, string | null>>;

export interface LoadedRecognizers {
  scene?: SceneRecognizer;
  intent?: IntentRecognizer;
}

/**
 * The recognisers of the given model folders, else the shipped ones. A shipped model that is not
 * there is left out (a task may be served without it); a folder given by name must hold a model,
 * or a typo in it came back as no recogniser at all and failed later as a TypeError.
 */
export async function loadRecognizers(
  dirs: { scene?: string; intent?: string } = {},
  options: { allowMissing?: boolean; digests?: ModelDigests } = {},
): Promise<LoadedRecognizers> {
  // allowMissing: `serve --allow-missing-models`, whose endpoints of a task without a model answer 503.
  for (const [task, dir] of options.allowMissing ? [] : ([['scene', dirs.scene], ['intent', dirs.intent]] as const)) {
    if (dir !== undefined && !(await exists(join(dir, MODEL_FILE)))) {
      const why = (await exists(dir)) ? `has no ${MODEL_FILE}` : 'does not exist';
      throw new EcommirError('ECM_ERR_NO_MODEL', `the ${task} model folder ${resolve(dir)} ${why} (\`ecommir train ${task} --out DIR\` writes one)`, { statusCode: 503 });
    }
  }
  const sceneDir = dirs.scene ?? join(DEFAULT_MODELS_DIR, 'scene');
  const intentDir = dirs.intent ?? join(DEFAULT_MODELS_DIR, 'intent');
  const digests = options.digests ?? {};
  // A file there when the version was taken and gone now is not a task to leave out: the version says it is served.
  for (const [task, dir] of [['scene', sceneDir], ['intent', intentDir]] as const) {
    if (typeof digests[task] === 'string' && !(await exists(join(dir, MODEL_FILE)))) {
      throw new EcommirError('ECM_ERR_MODEL_CHANGED', `model file ${join(dir, MODEL_FILE)} was removed after its model version was taken; reload the service, or run the command again`, { statusCode: 503 });
    }
  }
  const present = async (task: Task, dir: string): Promise<boolean> => digests[task] !== null && (await exists(join(dir, MODEL_FILE)));
  const out: LoadedRecognizers = {};
  if (await present('scene', sceneDir)) out.scene = await SceneRecognizer.load(sceneDir, { digest: digests.scene ?? undefined });
  if (await present('intent', intentDir)) {
    out.intent = await IntentRecognizer.load(intentDir, { digest: digests.intent ?? undefined });
    if (out.intent.usesImages && out.scene) out.intent.images = new SceneImageDescriber(out.scene);
  }
  return out;
}

/** Whether something is at the path; one there that cannot be reached (a loop of links) is, and its load says why. */
async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch (cause) {
    return !isMissingPath(cause);
  }
}
