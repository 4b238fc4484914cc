// Per-class knowledge-transfer F1 on the 80% development part only (the holdout stays unread): which
// labels the knowledge covers worst. Prints aggregate counts only, never dev text.
//   node --import tsx bench/research/intent-transfer-classes.ts [generator seeds, default 1: e.g. 1,2,3 averages the weighted F1]
import { evaluateLabels } from '../../src/eval/evaluate.js';
import { knowledgeTransfer } from '../../src/eval/transfer.js';
import { Taxonomy } from '../../src/labels/taxonomy.js';
import { defaultIntentOptions, HANDWRITTEN_WEIGHTS, intentHandwrittenSamples, KNOWLEDGE_PER_LABEL, KNOWLEDGE_WEIGHT } from '../../src/tasks/intent/default-recipe.js';
import { synthesizeIntentSamples } from '../../src/knowledge/intent-synth.js';
import { IntentRecognizer } from '../../src/tasks/intent/recognizer.js';
import { devSamples } from '../sections/common.js';
import { EMPTY_LEXICON, intentHoldout } from '../sections/intent-recipes.js';

const { develop } = intentHoldout((await devSamples()).filter((s) => s.task === 'intent'));
const taxonomy = Taxonomy.default('intent');
const labels = taxonomy.labels;
const hand = intentHandwrittenSamples();
const seeds = (process.argv[2] ?? '1').split(',').map(Number);
const yTrue = develop.map((s) => s.label!);
// Fitted on the hand-written dialogues plus generator seed `seed`'s template dialogues, weighed as the
// shipped recipe weighs them (template rows relative to the hand-written ones); the model seed stays 0.
const transfer = await knowledgeTransfer(
  hand,
  develop,
  (train, seed) =>
    IntentRecognizer.fit(train, {
      ...defaultIntentOptions({ knowledge: false, calibrate: false }),
      knowledgeSets: [{ name: 'template', samples: synthesizeIntentSamples({ seed, perLabel: KNOWLEDGE_PER_LABEL, images: 'none' }), weight: KNOWLEDGE_WEIGHT / HANDWRITTEN_WEIGHTS[0] }],
      lexicon: EMPTY_LEXICON,
      seed: 0,
    }),
  taxonomy,
  { seeds },
);
const yPred = transfer.predictions.map((p) => p.label);
const e = evaluateLabels(yTrue, yPred);
console.log(`develop ${develop.length}: weighted F1 ${transfer.mean.weightedF1.toFixed(4)} (generator seeds ${seeds.join(', ')}: ${transfer.seedWeightedF1.map((x) => x.toFixed(4)).join(' ')}); per class below: generator seed ${seeds[0]}`);
for (const l of labels) {
  const r = e.report.perClass[l];
  const confusions = new Map<string, number>();
  yTrue.forEach((t, i) => { if (t === l && yPred[i] !== l) confusions.set(yPred[i], (confusions.get(yPred[i]) ?? 0) + 1); });
  console.log(`${l}\tsupport ${r?.support ?? 0}\tP ${r?.precision.toFixed(2)} R ${r?.recall.toFixed(2)} F1 ${r?.f1.toFixed(2)}\t→ ${[...confusions].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}×${v}`).join(' ')}`);
}
