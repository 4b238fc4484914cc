// A trained recogniser is one folder with a `model.json` (everything needed to predict: vocabularies,
// weights, taxonomy, rules, lexicon) and a `MODEL_CARD.md` written by the training command.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EcommirError } from '../errors.js';
import type { Task } from '../types.js';

export const MODEL_FILE = 'model.json';
export const MODEL_CARD_FILE = 'MODEL_CARD.md';

export interface ModelHeader {
  kind: string;
  version: number;
  task: Task;
}

export async function writeModelFile(dir: string, model: ModelHeader): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, MODEL_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(model));
  await rename(tmp, path); // never a half-written model on disk
  return path;
}

export async function readModelFile<T extends ModelHeader>(dir: string, kind: string, version: number): Promise<T> {
  const path = join(dir, MODEL_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new EcommirError('ECM_ERR_NO_MODEL', `no model at ${path}: ${(cause as Error).message}`, { cause, statusCode: 503 });
  }
  let json: T;
  try {
    json = JSON.parse(text) as T;
  } catch (cause) {
    throw new EcommirError('ECM_ERR_BAD_JSON', `model file ${path} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  if (json?.kind !== kind || json.version !== version) {
    throw new EcommirError('ECM_ERR_NO_MODEL', `${path} is not a ${kind} model of version ${version} (found ${String(json?.kind)} v${String(json?.version)})`);
  }
  return json;
}
