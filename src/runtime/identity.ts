// What a prediction depends on, as hashes: the model version (the bytes of the model files a
// backend selection loads, and the package version for the code around them) and the sample's
// content (task, candidates, turns, and the bytes of its images: never its id, file name or
// position). Their pair keys a prediction: the resume file of `predict`, and the job id of the
// queue, so that a duplicate sample or a re-run is answered once, and a retrained model is never
// mistaken for the old one.
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { DEFAULT_ENSEMBLE_MODE, DEFAULT_ENSEMBLE_WEIGHTS } from '../backends/ensemble.js';
import { loadsEmbeddedModels, type BackendSelection } from '../backends/select.js';
import { EcommirError } from '../errors.js';
import { DEFAULT_MODELS_DIR, type ModelFiles } from '../tasks/default-models.js';
import { MODEL_FILE, modelFileDigest, readModelSnapshot } from '../tasks/model-file.js';
import type { Sample } from '../types.js';
import { VERSION } from '../version.js';
import { readEncodedBytes } from '../vision/decode.js';

/** Hex digits kept of a model version (64 bits: collisions are out of reach for any fleet). */
const MODEL_VERSION_LENGTH = 16;

/**
 * The version of the models a backend selection loads: a hash over the package version, the
 * options that change answers, and the content of every model file read. Two machines with the same
 * model files get the same version; a retrained model.json gets a new one. For the mllm backend the
 * server's weights cannot be read from here: the served model name stands for them.
 */
export async function modelVersion(selection: BackendSelection): Promise<string> {
  return (await modelIdentity(selection)).version;
}

/**
 * The model version, and the selection its workers load: with the embedded model files as read for the
 * version (BackendSelection.modelFiles), so that a worker started later (after a crash or a timeout)
 * serves this version, not a file written into the folder since.
 */
export async function modelIdentity(selection: BackendSelection): Promise<{ version: string; selection: BackendSelection }> {
  const files: ModelFiles = {};
  const hash = createHash('sha256');
  const part = (name: string, value: string) => hash.update(`${name}\0${value}\0`);
  part('ecommir', VERSION);
  part('backend', selection.backend);
  const usesEmbedded = loadsEmbeddedModels(selection);
  if (usesEmbedded) {
    for (const [task, dir] of [['scene', selection.sceneModel], ['intent', selection.intentModel]] as const) {
      const file = join(dir ?? join(DEFAULT_MODELS_DIR, task), MODEL_FILE);
      const snapshot = await readModelSnapshot(file);
      files[task] = snapshot?.bytes ?? null;
      part(`embedded-${task}`, snapshot?.digest ?? 'absent');
    }
  }
  for (const [name, value] of await backendParts(selection)) part(name, value);
  part('combine', JSON.stringify(combineSettings(selection)));
  return { version: hash.digest('hex').slice(0, MODEL_VERSION_LENGTH), selection: usesEmbedded ? { ...selection, modelFiles: files } : selection };
}

/**
 * What stands for a big-model backend's weights, as named parts of a hash: for mllm the server and the
 * options that change its answers (its weights cannot be read from here: the served model name stands
 * for them), for clip the content of its model and adapter folders. None for the embedded backend.
 */
async function backendParts(selection: BackendSelection): Promise<[string, string][]> {
  if (selection.backend === 'mllm') {
    const { endpoint, model, maxImageSide, maxImages, mllmTasks } = selection;
    const constrain = selection.constrain ?? 'guided_choice';
    return [['mllm', JSON.stringify({ endpoint, model, constrain, hierarchical: selection.hierarchical === true, maxImageSide, maxImages, mllmTasks })]];
  }
  const parts: [string, string][] = [];
  if (selection.backend === 'clip') {
    if (selection.modelDir) parts.push(['clip-model', await folderDigest(selection.modelDir)]);
    if (selection.adapterDir) parts.push(['clip-adapter', await folderDigest(selection.adapterDir)]);
  }
  return parts;
}

/**
 * How a backend's answers are combined with the embedded models', as the model version counts it: fill
 * and ensemble always (a default given and one left out agree), the ensemble's options when they differ
 * from EnsembleRecognizer's defaults (ensembleSettings).
 */
export function combineSettings(selection: BackendSelection): { fill: boolean; ensemble: boolean; mode?: string; weights?: readonly number[] } {
  const ensemble = selection.ensembleWithEmbedded === true;
  return { fill: selection.fillFromEmbedded !== false, ensemble, ...(ensemble ? ensembleSettings(selection) : {}) };
}

/**
 * How the backend's answers are averaged with the embedded model's (`ensembleWithEmbedded`), as the
 * options that differ from EnsembleRecognizer's defaults: a default given and one left out agree, and
 * the CLI, which has no flag for them, keeps the versions it had before they counted.
 */
function ensembleSettings(selection: BackendSelection): { mode?: string; weights?: readonly number[] } {
  const { ensembleMode: mode, ensembleWeights: weights } = selection;
  const defaultWeights = weights !== undefined && weights[0] === DEFAULT_ENSEMBLE_WEIGHTS[0] && weights[1] === DEFAULT_ENSEMBLE_WEIGHTS[1];
  return {
    ...(mode !== undefined && mode !== DEFAULT_ENSEMBLE_MODE ? { mode } : {}),
    ...(weights !== undefined && !defaultWeights ? { weights } : {}),
  };
}

/**
 * sha256 of what a big-model backend answers with (backendParts), without the embedded models, and how it
 * is averaged with them when it is (ensembleSettings): the service's version of a task that backend
 * answers alone, which no model folder of its own stands for, and its part of an ensemble's version.
 */
export async function backendDigest(selection: BackendSelection): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`backend\0${selection.backend}\0`);
  for (const [name, value] of await backendParts(selection)) hash.update(`${name}\0${value}\0`);
  const averaged = selection.ensembleWithEmbedded === true ? ensembleSettings(selection) : {};
  if (Object.keys(averaged).length > 0) hash.update(`ensemble\0${JSON.stringify(averaged)}\0`);
  return hash.digest('hex');
}

/** sha256 over the relative paths and contents of every file under a folder, in name order. */
async function folderDigest(dir: string): Promise<string> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (cause) {
    throw new EcommirError('ECM_ERR_NO_MODEL', `cannot read the model folder ${dir}`, { cause, statusCode: 503 });
  }
  const files = entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
    .sort();
  const hash = createHash('sha256');
  // Each path as "/" + its path under the folder, whatever way the folder was spelt ("clip", "./clip",
  // "clip/": slicing the joined path cut them at different places, and gave three versions of one folder).
  for (const file of files) hash.update(`/${relative(dir, file)}\0${await modelFileDigest(file)}\0`);
  return hash.digest('hex');
}

export interface SampleContent {
  /** sha256 over what the recognisers read of the sample. */
  hash: string;
  /** sha256 of each image's bytes, in sample.images order. */
  imageHashes: string[];
}

/** Hashes the sample's content: reads every image (a path) once. */
export async function sampleContent(sample: Sample): Promise<SampleContent> {
  const item = { id: sample.id, index: sample.index };
  const imageHashes: string[] = [];
  // The bytes as sent, not as decoded (a BMP converted, a PNG's excess text left out): a queued job carries
  // these, and its worker checks them against this hash.
  for (const ref of sample.images) imageHashes.push(createHash('sha256').update(await readEncodedBytes(ref, item)).digest('hex'));
  const at = (ref: Sample['images'][number]) => {
    const i = sample.images.indexOf(ref);
    return i >= 0 ? i : sample.images.findIndex((r) => r.name === ref.name);
  };
  const canonical = JSON.stringify({
    task: sample.task,
    candidates: sample.candidates,
    turns: sample.turns.map((t) => ({ role: t.role, text: t.text, images: t.images.map(at) })),
    images: imageHashes,
  });
  return { hash: createHash('sha256').update(canonical).digest('hex'), imageHashes };
}

/** The key of a sample's prediction by a model version: the same content and model, the same key. */
export function predictionKey(contentHash: string, version: string): string {
  return createHash('sha256').update(`${contentHash}\0${version}`).digest('hex');
}
