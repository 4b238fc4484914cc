// What the learner adds to a screenshot's prediction, for two scene model folders measured alternately in
// one run. Each image's features (OCR, layout, pixel cues) are extracted once per model in a warm-up pass;
// after that, predict() is fusion + learner + evidence, the only part two models with the same features
// differ in, so the difference of the medians is the difference in a new screenshot's time. Load time
// (read + parse + index) is measured alternately as well.
//   node --import tsx bench/scene-model-speed.ts NEW_DIR OLD_DIR [--n 24] [--rounds 10] [--loads 3]
import { parseArgs } from 'node:util';
import { SceneRecognizer } from '../src/tasks/scene/recognizer.js';
import { devSamples, median } from './sections/common.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { n: { type: 'string', default: '24' }, rounds: { type: 'string', default: '10' }, loads: { type: 'string', default: '3' } },
});
if (positionals.length !== 2) throw new Error('give two model folders: NEW_DIR OLD_DIR');
const dirs = positionals;
const n = Number(values.n);
const rounds = Number(values.rounds);

const loadTimes: number[][] = dirs.map(() => []);
for (let r = 0; r < Number(values.loads); r++) {
  for (const [m, dir] of dirs.entries()) {
    const t = performance.now();
    await SceneRecognizer.load(dir);
    loadTimes[m].push(performance.now() - t);
  }
}
const models = await Promise.all(dirs.map((d) => SceneRecognizer.load(d)));
const scenes = (await devSamples()).filter((s) => s.task === 'scene');
const step = Math.max(1, Math.floor(scenes.length / n));
const picked = scenes.filter((_, i) => i % step === 0).slice(0, n);
for (const model of models) for (const s of picked) await model.predict(s); // features extracted once (warm-up)
const times: number[][] = models.map(() => []);
let agree = 0;
for (let r = 0; r < rounds; r++) {
  for (const s of picked) {
    const labels: string[] = [];
    for (const [m, model] of models.entries()) {
      const t = performance.now();
      labels.push((await model.predict(s)).label);
      times[m].push(performance.now() - t);
    }
    if (r === 0 && labels[0] === labels[1]) agree++;
  }
}
const medians = times.map(median);
dirs.forEach((d, m) => console.log(`${d}: load median ${median(loadTimes[m]).toFixed(0)} ms; predict with warm features median ${medians[m].toFixed(2)} ms (${times[m].length} calls)`));
console.log(`difference first - second: ${(medians[0] - medians[1]).toFixed(2)} ms per screenshot; same label on ${agree}/${picked.length} images`);
