// Knowledge transfer, intent: train the embedded IntentRecognizer on synthetic dialogues generated
// from knowledge/intent/ ONLY, then score weighted F1 on every dev intent sample (none of them was
// used to write the knowledge or to train). Rows: with the clean-room lexicon and without any lexicon.
// Prints aggregate and per-class scores only, never dev text.
//
//   node --import tsx bench/knowledge-transfer-intent.ts [--per-label 200] [--seeds 1,2,3] [--json]
import { parseArgs } from 'node:util';
import { loadSamples } from '../src/data/load.js';
import { evaluateLabels } from '../src/eval/evaluate.js';
import { defaultLexiconPath, loadCueLexicon, parseCueLexicon, type CueLexicon } from '../src/features/text/cue-lexicon.js';
import { synthesizeIntentSamples } from '../src/knowledge/intent-synth.js';
import { Taxonomy } from '../src/labels/taxonomy.js';
import { IntentRecognizer } from '../src/tasks/intent/recognizer.js';

const { values } = parseArgs({
  options: {
    'per-label': { type: 'string', default: '200' },
    seeds: { type: 'string', default: '1,2,3' },
    dev: { type: 'string', default: new URL('../../shared/data/www2025-mir/train.json', import.meta.url).pathname },
    json: { type: 'boolean', default: false },
  },
});
const perLabel = Number(values['per-label']);
const seeds = values.seeds!.split(',').map(Number);

const dev = (await loadSamples(values.dev!)).samples.filter((s) => s.task === 'intent' && s.label !== undefined);
const yTrue = dev.map((s) => s.label!);
const lexicons: [string, CueLexicon][] = [
  ['clean-room lexicon', loadCueLexicon(defaultLexiconPath('intent'))],
  ['no lexicon', parseCueLexicon({ labels: {} }, '<none>')],
];

interface Row {
  name: string;
  seed: number;
  weightedF1: number;
  macroF1: number;
  accuracy: number;
  perClassF1: Record<string, number>;
  seconds: number;
}
const rows: Row[] = [];
for (const seed of seeds) {
  const synthetic = synthesizeIntentSamples({ seed, perLabel, images: 'none' });
  for (const [name, lexicon] of lexicons) {
    const started = performance.now();
    const model = await IntentRecognizer.fit(synthetic, { lexicon, seed });
    const predicted = (await model.predictMany(dev)).map((p) => p.label);
    const e = evaluateLabels(yTrue, predicted);
    const perClassF1 = Object.fromEntries(Object.entries(e.report.perClass).map(([l, r]) => [l, r.f1]));
    rows.push({ name, seed, weightedF1: e.weightedF1, macroF1: e.macroF1, accuracy: e.accuracy, perClassF1, seconds: (performance.now() - started) / 1000 });
    if (!values.json) process.stderr.write(`seed ${seed} ${name}: weighted F1 ${e.weightedF1.toFixed(4)} (${rows[rows.length - 1].seconds.toFixed(0)} s)\n`);
  }
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]): number => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
const summary = lexicons.map(([name]) => {
  const mine = rows.filter((r) => r.name === name);
  return {
    name,
    weightedF1: mean(mine.map((r) => r.weightedF1)),
    weightedF1Sd: sd(mine.map((r) => r.weightedF1)),
    macroF1: mean(mine.map((r) => r.macroF1)),
    accuracy: mean(mine.map((r) => r.accuracy)),
    perClassF1: Object.fromEntries(Taxonomy.default('intent').labels.map((l) => [l, mean(mine.map((r) => r.perClassF1[l] ?? 0))])),
  };
});

if (values.json) {
  process.stdout.write(JSON.stringify({ protocol: 'knowledge transfer: trained on synthetic intent samples only, scored on all dev intent samples', perLabel, seeds, devSamples: dev.length, summary, rows }, null, 2) + '\n');
} else {
  const support = new Map<string, number>();
  for (const l of yTrue) support.set(l, (support.get(l) ?? 0) + 1);
  let out = `Knowledge transfer (intent): IntentRecognizer trained on ${perLabel} synthetic samples per label only, scored on ${dev.length} dev intent samples; mean over synthetic seeds ${seeds.join(', ')}\n\n`;
  out += `| configuration | weighted F1 | sd | macro F1 | accuracy |\n|---|---|---|---|---|\n`;
  for (const s of summary) out += `| ${s.name} | ${s.weightedF1.toFixed(4)} | ${s.weightedF1Sd.toFixed(4)} | ${s.macroF1.toFixed(4)} | ${s.accuracy.toFixed(4)} |\n`;
  out += `\nPer-class F1 (dev support in brackets):\n\n| label | support | ${summary.map((s) => s.name).join(' | ')} |\n|---|---|${summary.map(() => '---').join('|')}|\n`;
  for (const l of Taxonomy.default('intent').labels) out += `| ${l} | ${support.get(l) ?? 0} | ${summary.map((s) => s.perClassF1[l].toFixed(3)).join(' | ')} |\n`;
  process.stdout.write(out);
}
