// Model folders for the tests of what a worker loads: a copy of the shipped intent model, and a way
// to replace it with another model.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MODELS_DIR } from '../../src/tasks/default-models.js';
import { MODEL_FILE } from '../../src/tasks/model-file.js';

/** A copy of the shipped intent model in a folder of its own, and an empty scene folder. */
export function intentCopy(): { root: string; intent: string; scene: string; file: string } {
  const root = mkdtempSync(join(tmpdir(), 'ecommir-pinned-'));
  const intent = join(root, 'intent');
  const scene = join(root, 'scene');
  mkdirSync(intent);
  mkdirSync(scene);
  copyFileSync(join(DEFAULT_MODELS_DIR, 'intent', MODEL_FILE), join(intent, MODEL_FILE));
  return { root, intent, scene, file: join(intent, MODEL_FILE) };
}

/** Rewrites a model file as another model: the same, calibrated at another temperature (so other confidences). */
export function retrain(file: string): void {
  const json = JSON.parse(readFileSync(file, 'utf8')) as { calibration: { temperature: number } };
  writeFileSync(file, JSON.stringify({ ...json, calibration: { ...json.calibration, temperature: json.calibration.temperature * 3 } }));
}
