// Per-class knowledge-transfer F1 on the 80% development part only (the holdout stays unread): which
// labels the knowledge covers worst. Prints aggregate counts only, never dev text.
//   node --import tsx bench/research/intent-transfer-classes.ts [generator seeds, default 1: e.g. 1,2,3 averages the weighted F1]
import { evaluateLabels } from '../../src/eval/evaluate.js';
import { Taxonomy } from '../../src/labels/taxonomy.js';
import { defaultIntentOptions, HANDWRITTEN_WEIGHTS, intentHandwrittenSamples, KNOWLEDGE_PER_LABEL, KNOWLEDGE_WEIGHT } from '../../src/tasks/intent/default-recipe.js';
import { synthesizeIntentSamples } from '../../src/knowledge/intent-synth.js';
import { IntentRecognizer } from '../../src/tasks/intent/recognizer.js';
import { devSamples } from '../sections/common.js';
import { EMPTY_LEXICON, intentHoldout } from '../sections/intent-recipes.js';

const { develop } = intentHoldout((await devSamples()).filter((s) => s.task === 'intent'));
const labels = Taxonomy.default('intent').labels;
const hand = intentHandwrittenSamples();
const seeds = (process.argv[2] ?? '1').split(',').map(Number);
const yTrue = develop.map((s) => s.label!);
let yPred: string[] = [];
const scores: number[] = [];
for (const seed of seeds) {
  const template = synthesizeIntentSamples({ seed, perLabel: KNOWLEDGE_PER_LABEL, images: 'none' });
  const model = await IntentRecognizer.fit(hand, { ...defaultIntentOptions({ knowledge: false, calibrate: false }), knowledgeSets: [{ name: 'template', samples: template, weight: KNOWLEDGE_WEIGHT / HANDWRITTEN_WEIGHTS[0] }], lexicon: EMPTY_LEXICON, seed: 0 });
  yPred = (await model.predictMany(develop)).map((p) => p.label);
  scores.push(evaluateLabels(yTrue, yPred).weightedF1);
}
const e = evaluateLabels(yTrue, yPred);
console.log(`develop ${develop.length}: weighted F1 ${(scores.reduce((a, b) => a + b, 0) / scores.length).toFixed(4)} (generator seeds ${seeds.join(', ')}: ${scores.map((x) => x.toFixed(4)).join(' ')}); per class below: generator seed ${seeds[seeds.length - 1]}`);
for (const l of labels) {
  const r = e.report.perClass[l];
  const confusions = new Map<string, number>();
  yTrue.forEach((t, i) => { if (t === l && yPred[i] !== l) confusions.set(yPred[i], (confusions.get(yPred[i]) ?? 0) + 1); });
  console.log(`${l}\tsupport ${r?.support ?? 0}\tP ${r?.precision.toFixed(2)} R ${r?.recall.toFixed(2)} F1 ${r?.f1.toFixed(2)}\t→ ${[...confusions].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}×${v}`).join(' ')}`);
}
