// Text-only intent prediction, this tree's code against another checkout's, in one process: the same
// model folder is loaded through each tree's IntentRecognizer and the dev dialogues are predicted
// alternately (A then B, then B then A on the next pass), so the ratio holds while the machine's own
// speed drifts (on this 2-core VM it moves by 20–40% within minutes, more than most code changes).
// Afterwards it checks that both trees give the same answers (label, ranking, probabilities, evidence) on
// every dev dialogue and on the knowledge dialogues: a speed change must not change a prediction.
//   git worktree add --detach ../base <rev> && ln -s "$PWD/node_modules" ../base/node_modules
//   node --import tsx bench/research/intent-speed-trees.ts --base ../base [--model models/intent] [--passes 11]
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { IntentRecognizer } from '../../src/tasks/intent/recognizer.js';
import { synthesizeIntentSamples } from '../../src/knowledge/intent-synth.js';
import { loadHandwrittenIntentDialogues } from '../../src/knowledge/handwritten-intent.js';
import type { Sample } from '../../src/types.js';
import { devSamples, median } from '../sections/common.js';

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    model: { type: 'string', default: 'models/intent' },
    passes: { type: 'string', default: '11' },
  },
});
if (!values.base) throw new Error('give --base DIR: the other checkout (with node_modules) to compare with');
const passes = Number(values.passes);
const modelDir = resolve(values.model!);

type Recognizer = Pick<IntentRecognizer, 'predict'> & { images?: unknown };
const { IntentRecognizer: BaseRecognizer } = (await import(pathToFileURL(join(resolve(values.base), 'src/tasks/intent/recognizer.ts')).href)) as { IntentRecognizer: { load(dir: string): Promise<Recognizer> } };
const trees: [string, Recognizer][] = [
  ['base', await BaseRecognizer.load(modelDir)],
  ['this', await IntentRecognizer.load(modelDir)],
];
for (const [, model] of trees) model.images = undefined; // text only: the images' OCR would swamp the text path

const dialogues = (await devSamples()).filter((s) => s.task === 'intent');
const answer = async (model: Recognizer, s: Sample) => {
  const { ms: _ms, ...rest } = await model.predict(s);
  return JSON.stringify(rest);
};

for (const [, model] of trees) await model.predict(dialogues[0]);

for (let pass = 0; pass < passes; pass++) {
  const times: number[][] = [[], []];
  const order = pass % 2 === 0 ? [0, 1] : [1, 0];
  for (const s of dialogues) {
    for (const t of order) {
      const started = performance.now();
      await trees[t][1].predict(s);
      times[t].push(performance.now() - started);
    }
  }
  const [base, current] = times.map(median);
  console.log(`pass ${pass + 1}: median base ${base.toFixed(3)} ms, this ${current.toFixed(3)} ms, ratio ${(current / base).toFixed(3)}`);
}

// Then the answers, after the timing so that the first pass is timed on code as cold as a new process's.
const knowledge = [...synthesizeIntentSamples({ seed: 7 }).slice(0, 1500), ...loadHandwrittenIntentDialogues()];
let differ = 0;
for (const s of [...dialogues, ...knowledge]) if ((await answer(trees[0][1], s)) !== (await answer(trees[1][1], s))) differ++;
console.log(`answers: ${differ === 0 ? 'identical' : `${differ} differ`} on ${dialogues.length} dev and ${knowledge.length} knowledge dialogues`);
