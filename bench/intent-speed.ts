// Text-only intent prediction time, one dialogue at a time: median over repeated calls, two model folders
// measured alternately in one run (so the ratio holds on a busy machine even when absolute times do not).
//   node --import tsx bench/intent-speed.ts [NEW_DIR] [OLD_DIR] [--rounds 200]
import { fileURLToPath } from 'node:url';
import { IntentRecognizer } from '../src/tasks/intent/recognizer.js';
import type { Sample } from '../src/types.js';
import { median } from './sections/common.js';

const args = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && all[i - 1] !== '--rounds');
const roundsAt = process.argv.indexOf('--rounds');
const rounds = roundsAt >= 0 ? Number(process.argv[roundsAt + 1]) : 200;
const dirs = [args[0] ?? fileURLToPath(new URL('../models/intent', import.meta.url)), ...(args[1] ? [args[1]] : [])];
const models = await Promise.all(dirs.map((d) => IntentRecognizer.load(d)));
// Project-made dialogues of ordinary length (no dataset text).
const texts = [
  ['user', '你好，这款不锈钢保温杯放在车里夏天会不会生锈？'], ['agent', '亲亲，您好，这款杯身是304不锈钢，正常使用不会生锈的哦'], ['user', '那杯盖呢，密封圈多久换一次'],
] as const;
const sample = (i: number): Sample => ({ id: `speed-${i}`, index: i, task: 'intent', candidates: [], images: [], turns: texts.map(([role, text]) => ({ role, text: `${text}${i % 7}`, images: [] })) });
const times: number[][] = models.map(() => []);
for (let r = 0; r < rounds + 20; r++) {
  for (const [m, model] of models.entries()) {
    const t = performance.now();
    await model.predict(sample(r));
    if (r >= 20) times[m].push(performance.now() - t); // the first calls warm up (jieba/pinyin/OpenCC tables, JIT)
  }
}
const medians = times.map(median);
dirs.forEach((d, m) => console.log(`${d}: median ${medians[m].toFixed(3)} ms per text-only dialogue (${rounds} calls)`));
if (medians.length === 2) console.log(`ratio first/second: ${(medians[0] / medians[1]).toFixed(2)}`);
