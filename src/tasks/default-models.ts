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
 * Each task's model file as read when its model version was taken (runtime/identity.ts, the service's
 * start and reloads). Workers parse these bytes and never read the folder: one started later (after a
 * crash or a timeout) read it again, and served a file replaced since under the old version. Null:
 * there was no file then, and one written since is not loaded either.
 */
export type ModelFiles = Partial<Record<Task, Uint8Array | null>>;

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
  options: { allowMissing?: boolean; files?: ModelFiles } = {},
): Promise<LoadedRecognizers> {
  const files = options.files ?? {};
  // Whether a task's model is there: as it was read, when it was (ModelFiles), else in its folder now.
  const present = async (task: Task, dir: string): Promise<boolean> => (files[task] !== undefined ? files[task] !== null : exists(join(dir, MODEL_FILE)));
  // allowMissing: `serve --allow-missing-models`, whose endpoints of a task without a model answer 503.
  for (const [task, dir] of options.allowMissing ? [] : ([['scene', dirs.scene], ['intent', dirs.intent]] as const)) {
    if (dir !== undefined && !(await present(task, dir))) {
      const why = (await exists(dir)) ? `has no ${MODEL_FILE}` : 'does not exist';
      throw new EcommirError('ECM_ERR_NO_MODEL', `the ${task} model folder ${resolve(dir)} ${why} (\`ecommir train ${task} --out DIR\` writes one)`, { statusCode: 503 });
    }
  }
  const sceneDir = dirs.scene ?? join(DEFAULT_MODELS_DIR, 'scene');
  const intentDir = dirs.intent ?? join(DEFAULT_MODELS_DIR, 'intent');
  const out: LoadedRecognizers = {};
  if (await present('scene', sceneDir)) out.scene = await SceneRecognizer.load(sceneDir, { bytes: files.scene ?? undefined });
  if (await present('intent', intentDir)) {
    out.intent = await IntentRecognizer.load(intentDir, { bytes: files.intent ?? undefined });
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
