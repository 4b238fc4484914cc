// Per-sample time and memory: a new image through the whole scene path (decode, OCR, layout,
// embedding, head) with an empty feature cache; the same with a warm cache (the head alone); a text
// dialogue; a dialogue whose images are read too (when the intent model reads images); a new screenshot
// POSTed to /v1/scene of the service built as `ecommir serve` builds it (end to end, worker lanes); and
// training the heads from cached features.
//   ECOMMIR_BENCH_QUICK=1 node --import tsx bench/sections/speed.ts   (a reduced run, printed; no training)
import { mkdtemp, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IntentRecognizer } from '../../src/tasks/intent/recognizer.js';
import { SceneImageDescriber } from '../../src/tasks/intent/scene-image-describer.js';
import { SceneRecognizer } from '../../src/tasks/scene/recognizer.js';
import { DEFAULT_MODELS_DIR } from '../../src/tasks/default-models.js';
import { RecognizerPool } from '../../src/runtime/pool.js';
import { NO_RECOGNIZERS } from '../../src/runtime/source.js';
import type { FirstPassResult } from './intent-first-pass.js';
import type { BenchContext } from '../run.js';
import { QUICK, QUICK_NOTE, serveLikeApp } from '../service-kit.js';
import { devSamples, median, peakRssMiB, quantile, sceneSteps, SECTION_FORMAT_MARK } from './common.js';

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** median | mean | p90 cells. */
const ms = (xs: number[]) => [median(xs), mean(xs), quantile(xs, 0.9)].map((x) => x.toFixed(x < 10 ? 2 : 0)).join(' | ');

const KEY = 'speed-bench-key-0123456789';

/** Each screenshot POSTed once, one after another, to /v1/scene of the service as `serve` builds it (its own empty feature cache). */
async function sceneEndToEnd(paths: readonly string[]): Promise<{ times: number[]; statuses: number[] }> {
  const service = await serveLikeApp([KEY]);
  const times: number[] = [];
  const statuses: number[] = [];
  try {
    for (const path of paths) {
      const body = JSON.stringify({ image: (await readFile(path)).toString('base64') });
      const t = performance.now();
      const response = await fetch(`${service.url}/v1/scene`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body });
      await response.arrayBuffer();
      times.push(performance.now() - t);
      statuses.push(response.status);
    }
  } finally {
    await service.close();
  }
  return { times, statuses };
}

async function timeEach<T>(items: readonly T[], f: (x: T) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (const x of items) {
    const t = performance.now();
    await f(x);
    out.push(performance.now() - t);
  }
  return out;
}

export async function runSpeedBench(ctx: BenchContext): Promise<string> {
  const samples = await devSamples();
  const scenes = samples.filter((s) => s.task === 'scene');
  const allDialogues = samples.filter((s) => s.task === 'intent');
  const dialogues = QUICK ? allDialogues.slice(0, 40) : allDialogues;
  const step = QUICK ? 70 : 14;
  const pick = scenes.filter((_, i) => i % step === 0); // 40 images across the labels (8 in a reduced run)
  // Other images for the end-to-end row, never seen by the service's workers (an empty cache of their own).
  const pickServed = scenes.filter((_, i) => i % step === step >> 1).map((s) => s.images[0]?.path).filter((p): p is string => p !== undefined);

  // Cold: an empty cache, so every image is decoded, OCR'd and embedded.
  const saved = process.env.ECOMMIR_CACHE_DIR;
  process.env.ECOMMIR_CACHE_DIR = await mkdtemp(join(tmpdir(), 'ecommir-bench-cache-'));
  let loadMs = performance.now();
  const scene = await SceneRecognizer.load(join(DEFAULT_MODELS_DIR, 'scene'));
  loadMs = performance.now() - loadMs;
  const first = await timeEach([pick[0]], (s) => scene.predict(s));
  const cold = await timeEach(pick.slice(1), (s) => scene.predict(s));
  const warm = await timeEach(pick.slice(1), (s) => scene.predict(s));
  ctx.log(`  scene cold median ${median(cold).toFixed(0)} ms`);

  const intent = await IntentRecognizer.load(join(DEFAULT_MODELS_DIR, 'intent'));
  intent.images = undefined;
  await intent.predict(dialogues[0]);
  const text = await timeEach(dialogues, (s) => intent.predict(s));
  // A second pass over the same dialogues: the regular expressions compiled (nothing is cached between predictions).
  const textWarm = await timeEach(dialogues, (s) => intent.predict(s));
  // The second pass is still faster than the first, so the code is still warming up: eight more passes, then the
  // eleventh timed, stand for a service that has been answering for a while.
  for (let pass = 0; pass < 8; pass++) for (const s of dialogues) await intent.predict(s);
  const textSteady = await timeEach(dialogues, (s) => intent.predict(s));
  // A dialogue's images cost something only when the intent model reads them (an `ocr` or `scene` view).
  let imagesCold: number[] | undefined;
  if (intent.usesImages) {
    const withImages = dialogues.filter((d) => d.images.length > 0).slice(0, QUICK ? 5 : 30);
    intent.images = new SceneImageDescriber(scene);
    imagesCold = await timeEach(withImages, (s) => intent.predict(s));
    intent.images = undefined;
  }
  const fresh = await firstPassInFreshThreads(QUICK ? 1 : FRESH_THREAD_PAIRS);
  ctx.log(`  ${pickServed.length} new screenshots to /v1/scene of the service (worker lanes)`);
  const served = await sceneEndToEnd(pickServed);
  const servedOk = served.statuses.every((st) => st === 200);
  if (saved === undefined) delete process.env.ECOMMIR_CACHE_DIR;
  else process.env.ECOMMIR_CACHE_DIR = saved;

  // Training the shipped recipes from the (warm) developer cache (not in a reduced run).
  let sceneFit = NaN;
  let intentFit = NaN;
  if (!QUICK) {
    let t = performance.now();
    await SceneRecognizer.fit(scenes);
    sceneFit = (performance.now() - t) / 1000;
    t = performance.now();
    await IntentRecognizer.fit(allDialogues);
    intentFit = (performance.now() - t) / 1000;
  }

  return [
    // No cross-validation here: the header has no seeds or folds to state.
    SECTION_FORMAT_MARK,
    QUICK_NOTE,
    'Sequential calls; times in milliseconds (median | mean | p90). All rows but the end-to-end one are in-process library calls (model time: no HTTP, no queue, no worker hand-off).',
    `Text-only rows: the dev intent dialogues with their images dropped (${allDialogues.filter((d) => d.images.length > 0).length} of the ${allDialogues.length} carry images)${QUICK ? `; the first ${dialogues.length} only in this reduced run` : ''}.`,
    '',
    '| what | n | median ms | mean ms | p90 ms |',
    '|---|---:|---:|---:|---:|',
    `| scene model load (model.json) | 1 | ${loadMs.toFixed(0)} | – | – |`,
    `| first scene image (loads the OCR${scene.fusion.embeddingWeight > 0 ? ' and embedding' : ''} sessions; after an install, also the one-time rewrite of the OCR model) | 1 | ${first[0].toFixed(0)} | – | – |`,
    `| **scene, new image, model time (in-process library call): decode + ${sceneSteps(scene.fusion)} + head** | ${cold.length} | ${ms(cold)} |`,
    `| **scene, new image, end to end: POST /v1/scene to the service as \`serve\` builds it (HTTP, queue, image worker process at idle priority)**${servedOk ? '' : ` (statuses: ${[...new Set(served.statuses)].join(', ')})`} | ${served.times.length} | ${ms(served.times)} |`,
    `| scene, same image again (features from the cache, head only) | ${warm.length} | ${ms(warm)} |`,
    `| **intent, text-only dialogue (images dropped; denoise + features + head)**, first pass | ${text.length} | ${ms(text)} |`,
    `| intent, the same text-only dialogues again (code warm, no result cached) | ${textWarm.length} | ${ms(textWarm)} |`,
    `| intent, the same text-only dialogues, eleventh pass (optimised code, no result cached) | ${textSteady.length} | ${ms(textSteady)} |`,
    ...(imagesCold ? [`| intent, dialogue with new images (their OCR + scene, then intent) | ${imagesCold.length} | ${ms(imagesCold)} |`] : []),
    `| intent, text-only dialogue, first pass in a fresh worker thread without warm-up (${fresh.pairs} threads) | ${fresh.cold.length} | ${ms(fresh.cold)} |`,
    `| **intent, text-only dialogue, first pass in a fresh worker thread after the workers' warm-up (${fresh.warmUpDialogues} dialogues, median ${fresh.warmUpMs.toFixed(0)} ms; ${fresh.pairs} threads)** | ${fresh.warm.length} | ${ms(fresh.warm)} |`,
    ...(imagesCold ? [] : ['', 'The shipped intent model reads no images (no `ocr` or `scene` view): its model time for a dialogue with images is what its text costs. In the service its images are checked (a thumbnail decode each) before the model answers: in the text lane when they are sequential JPEGs or plain PNGs of at most 8 MP and 1 MiB together, as every dev dialogue’s are, in the image lane otherwise (README, *Lanes*; the hostile section times such dialogues).']),
    '',
    `The end-to-end row posts ${served.times.length} dev screenshots other than the in-process rows' ones, one at a time, to a service with its own empty feature cache, so each is new to it.`,
    '',
    `A service's text worker is a fresh thread, whose V8 has optimised nothing yet: the last two rows time each dev dialogue once in new threads, ${fresh.pairs} without warm-up and ${fresh.pairs} after the warm-up the service's workers run before /readyz (src/runtime/warm-up.ts), alternated. Per pair, the warmed thread's median over the unwarmed one's: ${fresh.ratios.map((r) => r.toFixed(2)).join(', ')} (median ${median(fresh.ratios).toFixed(2)}).`,
    '',
    ...(QUICK
      ? []
      : [
          `Training from cached features with the recognisers' default options and no knowledge rows (the shipped models also train on the knowledge; see their model cards for those times): scene ${sceneFit.toFixed(0)} s on ${scenes.length} images, intent ${intentFit.toFixed(0)} s on ${allDialogues.length} dialogues.`,
          '',
        ]),
    `Peak resident memory of this process: ${peakRssMiB().toFixed(0)} MiB.`,
  ].join('\n');
}

const FRESH_THREAD_PAIRS = 5;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${await runSpeedBench({ seeds: [0], folds: 5, log: (line) => process.stderr.write(`${line}\n`) })}\n`);
}

/** Times the dev dialogues once in new threads, alternately without and with the workers' warm-up. */
async function firstPassInFreshThreads(pairs: number) {
  const fn = { module: new URL('./intent-first-pass.ts', import.meta.url).href, export: 'timeFirstPass' };
  const once = async (warmUp: boolean): Promise<FirstPassResult> => {
    const pool = await RecognizerPool.create({ source: NO_RECOGNIZERS, threads: 1, name: 'first-pass' });
    try {
      return await pool.run<FirstPassResult>(fn, { warmUp });
    } finally {
      await pool.close();
    }
  };
  const cold: number[] = [];
  const warm: number[] = [];
  const ratios: number[] = [];
  const warmUpMs: number[] = [];
  let warmUpDialogues = 0;
  for (let i = 0; i < pairs; i++) {
    const c = await once(false);
    const w = await once(true);
    cold.push(...c.times);
    warm.push(...w.times);
    ratios.push(median(w.times) / median(c.times));
    warmUpMs.push(w.warmUpMs);
    warmUpDialogues = w.warmUpDialogues;
  }
  return { pairs, cold, warm, ratios, warmUpMs: median(warmUpMs), warmUpDialogues };
}
