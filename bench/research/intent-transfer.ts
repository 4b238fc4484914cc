// Knowledge transfer of the intent knowledge sources, one at a time and together: the shipped views,
// folding and learner fitted on knowledge alone (no dev dialogue), scored on all dev intent dialogues.
//   node --import tsx bench/research/intent-transfer.ts
import { knowledgeTransfer } from '../../src/eval/transfer.js';
import { Taxonomy } from '../../src/labels/taxonomy.js';
import { loadHandwrittenIntentDialogues } from '../../src/knowledge/handwritten-intent.js';
import { defaultIntentOptions, intentKnowledgeSamples } from '../../src/tasks/intent/default-recipe.js';
import { IntentRecognizer } from '../../src/tasks/intent/recognizer.js';
import type { Sample } from '../../src/types.js';
import { devSamples } from '../sections/common.js';
import { EMPTY_LEXICON } from '../sections/intent-recipes.js';

const all = (await devSamples()).filter((s) => s.task === 'intent');
const taxonomy = Taxonomy.default('intent');
const template = intentKnowledgeSamples();
const hand = loadHandwrittenIntentDialogues({ images: 'none' });
// "both": the template rows as a weighted knowledge set next to the hand-written rows at weight 1.
const sources: [string, Sample[], Sample[], number][] = [
  ['generated only', template, [], 0],
  ['hand-written only', hand, [], 0],
  ['both (equal row weight)', [...template, ...hand], [], 0],
  ['both (generated ×0.2)', hand, template, 0.2],
];
for (const [name, train, extra, w] of sources) {
  const t = performance.now();
  const r = await knowledgeTransfer(train, all, (rows, seed) => IntentRecognizer.fit(rows, { ...defaultIntentOptions({ knowledge: false, calibrate: false }), ...(extra.length ? { knowledgeSets: [{ name: 'template', samples: extra, weight: w }] } : {}), lexicon: EMPTY_LEXICON, seed }), taxonomy);
  console.log(JSON.stringify({ name, weightedF1: Number(r.mean.weightedF1.toFixed(4)), nTrain: train.length + extra.length, scored: all.length, seconds: Math.round((performance.now() - t) / 1000) }));
}
