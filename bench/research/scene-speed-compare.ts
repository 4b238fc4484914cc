// A new screenshot through two scene models, round-robin per image (one image through each model,
// then the next), each with its own empty feature cache, so their times compare within one run
// whatever the machine's load does. Prints per-model median / p90 ms and the ratio of medians.
// --warm: what the models themselves add. Each image's features (OCR, layout, pixel cues) are extracted
// once per model first; then predict() is fusion + learner + evidence, the only part two models with the
// same features differ in, timed over --rounds passes: a few ms that OCR's spread would hide cold. Load
// time (read, parse, index) is measured alternately as well, --loads times each.
// Usage: node --import tsx bench/research/scene-speed-compare.ts <modelDirA> <modelDirB> [n] [--warm] [--rounds 10] [--loads 3]
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SceneRecognizer } from '../../src/tasks/scene/recognizer.js';
import { devSamples, median, quantile } from '../sections/common.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { warm: { type: 'boolean', default: false }, rounds: { type: 'string', default: '10' }, loads: { type: 'string', default: '3' } },
});
const [dirA, dirB] = positionals;
if (!dirA || !dirB) throw new Error('give two model folders');
const n = Number(positionals[2] ?? '30');
const scenes = (await devSamples()).filter((s) => s.task === 'scene');
const step = Math.max(1, Math.floor(scenes.length / (n + 1)));
const picked = scenes.filter((_, i) => i % step === 0).slice(0, n + 1);
const load = async (dir: string) => {
  process.env.ECOMMIR_CACHE_DIR = await mkdtemp(join(tmpdir(), 'ecommir-speed-'));
  return SceneRecognizer.load(dir); // its featurizer keeps this cache
};
const fmt = (xs: number[], digits: number) => `median ${median(xs).toFixed(digits)} ms, p90 ${quantile(xs, 0.9).toFixed(digits)} ms`;

if (values.warm) {
  const loadTimes: number[][] = [[], []];
  for (let r = 0; r < Number(values.loads); r++) {
    for (const [k, dir] of [dirA, dirB].entries()) {
      const t = performance.now();
      await SceneRecognizer.load(dir);
      loadTimes[k].push(performance.now() - t);
    }
  }
  const models = [await load(dirA), await load(dirB)];
  for (const m of models) for (const s of picked) await m.predict(s); // features extracted once
  const times: number[][] = [[], []];
  for (let r = 0; r < Number(values.rounds); r++) {
    for (const s of picked) {
      for (let k = 0; k < 2; k++) {
        const t = performance.now();
        await models[k].predict(s);
        times[k].push(performance.now() - t);
      }
    }
  }
  console.log(`${picked.length} images × ${values.rounds} rounds, round-robin, features warm (the models' own part):`);
  console.log(`A ${dirA}: ${fmt(times[0], 2)}; load median ${median(loadTimes[0]).toFixed(0)} ms`);
  console.log(`B ${dirB}: ${fmt(times[1], 2)}; load median ${median(loadTimes[1]).toFixed(0)} ms`);
  console.log(`A − B (medians): ${(median(times[0]) - median(times[1])).toFixed(2)} ms per screenshot`);
} else {
  const models = [await load(dirA), await load(dirB)];
  for (const m of models) await m.predict(picked[0]); // loads OCR (and tfjs) sessions
  const times: number[][] = [[], []];
  for (const s of picked.slice(1)) {
    for (let k = 0; k < 2; k++) {
      const t = performance.now();
      await models[k].predict(s);
      times[k].push(performance.now() - t);
    }
  }
  console.log(`${n} new images each, round-robin, cold caches:`);
  console.log(`A ${dirA}: ${fmt(times[0], 0)}`);
  console.log(`B ${dirB}: ${fmt(times[1], 0)}`);
  console.log(`B / A (medians): ${(median(times[1]) / median(times[0])).toFixed(2)}`);
}
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
