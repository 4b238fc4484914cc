// A new screenshot through the scene model, this tree's code against another checkout's, in one process:
// the same model folder is loaded through each tree's SceneRecognizer, each with its own empty feature
// cache, and every dev image is predicted by both, alternately (base first on even images, this tree
// first on odd ones), so each image gives a paired ratio that holds while the machine's own speed drifts.
// Prints both medians and the median of the per-image ratios. Then checks that both trees answered every
// image alike (label, ranking, probabilities, evidence): a speed change must not change a prediction.
//   git worktree add --detach ../base <rev> && ln -s "$PWD/node_modules" ../base/node_modules
//   node --import tsx bench/research/scene-speed-trees.ts --base ../base [--model models/scene] [--n 80]
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { SceneRecognizer } from '../../src/tasks/scene/recognizer.js';
import type { Sample } from '../../src/types.js';
import { devSamples, median, quantile } from '../sections/common.js';

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    model: { type: 'string', default: 'models/scene' },
    n: { type: 'string', default: '80' },
  },
});
if (!values.base) throw new Error('give --base DIR: the other checkout (with node_modules) to compare with');
const modelDir = resolve(values.model!);
const n = Number(values.n);

type Recognizer = Pick<SceneRecognizer, 'predict'>;
const { SceneRecognizer: BaseRecognizer } = (await import(pathToFileURL(join(resolve(values.base), 'src/tasks/scene/recognizer.ts')).href)) as { SceneRecognizer: { load(dir: string): Promise<Recognizer> } };
// Each tree's feature cache is read from ECOMMIR_CACHE_DIR when its recogniser loads.
const load = async (loader: { load(dir: string): Promise<Recognizer> }) => {
  process.env.ECOMMIR_CACHE_DIR = await mkdtemp(join(tmpdir(), 'ecommir-trees-'));
  return loader.load(modelDir);
};
const trees: Recognizer[] = [await load(BaseRecognizer), await load(SceneRecognizer)];

const scenes = (await devSamples()).filter((s) => s.task === 'scene');
const step = Math.max(1, Math.floor(scenes.length / (n + 1)));
const picked = scenes.filter((_, i) => i % step === 0).slice(0, n + 1);
for (const model of trees) await model.predict(picked[0]); // loads the OCR sessions and threads

const times: number[][] = [[], []];
const ratios: number[] = [];
const answers: string[][] = [[], []];
for (const [i, s] of picked.slice(1).entries()) {
  const ms = [0, 0];
  for (const t of i % 2 === 0 ? [0, 1] : [1, 0]) {
    const started = performance.now();
    const { ms: _ms, ...rest } = await trees[t].predict(s as Sample);
    ms[t] = performance.now() - started;
    times[t].push(ms[t]);
    answers[t].push(JSON.stringify(rest));
  }
  ratios.push(ms[1] / ms[0]);
}
const fmt = (xs: number[]) => `median ${median(xs).toFixed(0)} ms, p90 ${quantile(xs, 0.9).toFixed(0)} ms`;
console.log(`${ratios.length} new screenshots each, alternating, empty caches`);
console.log(`base: ${fmt(times[0])}; this: ${fmt(times[1])}`);
console.log(`per-image ratio this/base: median ${median(ratios).toFixed(3)} (quartiles ${quantile(ratios, 0.25).toFixed(3)}–${quantile(ratios, 0.75).toFixed(3)})`);
const differ = answers[0].filter((a, i) => a !== answers[1][i]).length;
console.log(`answers: ${differ === 0 ? 'identical' : `${differ} differ`} on ${ratios.length} screenshots`);
process.exit(0); // the recognition threads are idle, not holding the process; exit without waiting for GC
