// A new screenshot through two scene models, round-robin per image (one image through each model,
// then the next), each with its own empty feature cache, so their times compare within one run
// whatever the machine's load does. Prints per-model median / p90 ms and the ratio of medians.
// Usage: node --import tsx bench/research/scene-speed-compare.ts <modelDirA> <modelDirB> [n]
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SceneRecognizer } from '../../src/tasks/scene/recognizer.js';
import { devSamples, median, quantile } from '../sections/common.js';

const [dirA, dirB] = process.argv.slice(2, 4);
const n = Number(process.argv[4] ?? '30');
const scenes = (await devSamples()).filter((s) => s.task === 'scene');
const step = Math.max(1, Math.floor(scenes.length / (n + 1)));
const picked = scenes.filter((_, i) => i % step === 0).slice(0, n + 1);
const load = async (dir: string) => {
  process.env.ECOMMIR_CACHE_DIR = await mkdtemp(join(tmpdir(), 'ecommir-speed-'));
  return SceneRecognizer.load(dir); // its featurizer keeps this cache
};
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
const fmt = (xs: number[]) => `median ${median(xs).toFixed(0)} ms, p90 ${quantile(xs, 0.9).toFixed(0)} ms`;
console.log(`${n} new images each, round-robin, cold caches:`);
console.log(`A ${dirA}: ${fmt(times[0])}`);
console.log(`B ${dirB}: ${fmt(times[1])}`);
console.log(`B / A (medians): ${(median(times[1]) / median(times[0])).toFixed(2)}`);
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
