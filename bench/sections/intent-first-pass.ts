// Runs in a fresh worker thread (RecognizerPool.run): a new V8 isolate has compiled nothing yet, as
// in a service's text worker that has just started. Loads the shipped intent model, optionally runs
// warm-up dialogues first, then times each dev dialogue once, text only.
import { join } from 'node:path';
import { intentWarmUpSamples, warmUp } from '../../src/runtime/warm-up.js';
import { IntentRecognizer } from '../../src/tasks/intent/recognizer.js';
import { DEFAULT_MODELS_DIR } from '../../src/tasks/default-models.js';
import { devSamples } from './common.js';

export interface FirstPassArgs {
  /** The workers' own warm-up (runtime/warm-up.ts) before timing, or none. */
  warmUp: boolean;
}

export interface FirstPassResult {
  /** Time of each dev dialogue, ms, in file order. */
  times: number[];
  /** Time the warm-up took, ms. */
  warmUpMs: number;
  /** Dialogues the warm-up ran. */
  warmUpDialogues: number;
}

export async function timeFirstPass(args: FirstPassArgs): Promise<FirstPassResult> {
  const dialogues = (await devSamples()).filter((s) => s.task === 'intent');
  const intent = await IntentRecognizer.load(join(DEFAULT_MODELS_DIR, 'intent'));
  intent.images = undefined;
  const t = performance.now();
  if (args.warmUp) await warmUp({ intent }, ['intent']);
  const warmUpMs = performance.now() - t;
  const times: number[] = [];
  for (const s of dialogues) {
    const start = performance.now();
    await intent.predict(s);
    times.push(performance.now() - start);
  }
  // Counted after the timing, so that reading the files again does not touch it.
  return { times, warmUpMs, warmUpDialogues: args.warmUp ? intentWarmUpSamples(intent.labels).length : 0 };
}
