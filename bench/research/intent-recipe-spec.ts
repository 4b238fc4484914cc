// Intent recipes as small JSON specs, for the screening harness (intent-screen.ts): views as strings
// (`name[:analyzer][@weight]`, analyzer char1-2 by default, e.g. `last@0.5`, `userWords:word1-1@0.5`,
// `scene:tokens@0.3`), knowledge sets, colloquial augmentation, class weights, learner, calibration.
// A field left out takes the value below, which is NOT always the shipped recipe's: the learner
// defaults to the SVM alone (C 1) and the hand-written rows to none, the recipe of the first screens
// (rule BE's screen ran that by mistake). `"base":"shipped"` takes the shipped recipe's learner and
// hand-written weight (src/tasks/intent/default-recipe.ts) for the fields left out; written out, that is
//   {"learner":{"kind":"StackingClassifier","options":{"folds":3,"members":[{"kind":"LinearSvm","options":{"C":2}},
//    {"kind":"NaiveBayes","options":{"variant":"complement","alpha":0.3}}]}},"handwritten":{"weight":0.5}}
// which gives rule AX's shipped figures (docs/decision-rules.md).
import type { AnalyzerSpec, TextViewSpec } from '../../src/features/text/feature-union.js';
import { TextFolder } from '../../src/features/text/variants.js';
import { synthesizeIntentSamples } from '../../src/knowledge/intent-synth.js';
import type { LearnerSpec } from '../../src/learn/learner.js';
import type { ColloquialAugmentOptions } from '../../src/tasks/intent/augment.js';
import type { IntentTrainingOptions, KnowledgeSet } from '../../src/tasks/intent/recognizer.js';
import type { Sample } from '../../src/types.js';
import { loadCueLexicon, defaultLexiconPath } from '../../src/features/text/cue-lexicon.js';
import { loadHandwrittenIntentDialogues } from '../../src/knowledge/handwritten-intent.js';
import { HANDWRITTEN_WEIGHTS, HONEST_INTENT_LEARNER } from '../../src/tasks/intent/default-recipe.js';

export interface RecipeSpec {
  name: string;
  /** "shipped": the learner and hand-written rows left out are the shipped recipe's. Default: the first screens' (SVM C 1, none). */
  base?: 'shipped';
  /** Default ["user", "last@0.5", "agent@0.5"]. */
  views?: string[];
  /** minDf of the n-gram views. Default 2. */
  minDf?: number;
  /** Text folding. Default true. */
  fold?: boolean;
  /** Template-generated dialogues (knowledge/intent): per label, weight, generator seeds, variation. Default {200, 0.1, [1]}; false = none. */
  knowledge?: false | { perLabel?: number; weight?: number; seeds?: number[]; variation?: number; bareShare?: number };
  /** Hand-written dialogues (knowledge/intent-dialogues) at this sample weight. Default none (shipped: 0.5). */
  handwritten?: { weight: number };
  augment?: ColloquialAugmentOptions;
  classWeight?: 'balanced' | 'none';
  /** A name in LEARNERS or a learner spec. Default svm (C 1), not the shipped stack. */
  learner?: string | LearnerSpec;
  calibration?: { prior?: number[]; folds?: number };
  /** Read the user's images (OCR text, predicted scene) with the shipped scene model. */
  images?: boolean;
  /** Use the clean-room cue lexicon (lexicons/) for a `lexicon` tokens view. */
  lexicon?: boolean;
}

export const LEARNERS: Record<string, LearnerSpec> = {
  svm: { kind: 'LinearSvm', options: { C: 1 } },
  'svm-c0.5': { kind: 'LinearSvm', options: { C: 0.5 } },
  'svm-c2': { kind: 'LinearSvm', options: { C: 2 } },
  mnb: { kind: 'NaiveBayes', options: { variant: 'multinomial', alpha: 0.1 } },
  cnb: { kind: 'NaiveBayes', options: { variant: 'complement', alpha: 0.3 } },
  knn: { kind: 'CosineKnn', options: { k: 10, smoothing: 0.5 } },
  softmax: { kind: 'SoftmaxRegression', options: { l2: 1e-3, epochs: 300, lr: 0.05, lossScale: 'weights' } },
};

export function parseView(text: string, minDf: number): TextViewSpec {
  const m = /^([A-Za-z]+)(?::([a-z]+)(\d)-(\d))?(?::(tokens))?(?:@([0-9.]+))?$/.exec(text);
  if (!m) throw new Error(`bad view "${text}"`);
  const [, name, kind, min, max, tokens, weight] = m;
  let analyzer: AnalyzerSpec;
  if (tokens || ['lexicon', 'scene', 'mined', 'classes'].includes(name)) analyzer = { kind: 'tokens' };
  else analyzer = { kind: (kind ?? 'char') as 'char' | 'word' | 'pinyin', min: Number(min ?? 1), max: Number(max ?? 2) };
  return { name, analyzer, ...(analyzer.kind === 'tokens' ? {} : { tfidf: { sublinearTf: true, minDf } }), ...(weight ? { weight: Number(weight) } : {}) };
}

const synthCache = new Map<string, Sample[]>();
export function templateKnowledge(perLabel: number, seed: number, variation = 1, bareShare?: number): Sample[] {
  const key = JSON.stringify([perLabel, seed, variation, bareShare]);
  let s = synthCache.get(key);
  if (!s) {
    s = synthesizeIntentSamples({ seed, perLabel, images: 'none', variation, ...(bareShare !== undefined ? { bareShare } : {}) }).map((x) => ({ ...x, id: `${x.id}@${seed}` }));
    synthCache.set(key, s);
  }
  return s;
}

let folder: TextFolder | undefined;
let handwritten: Sample[] | undefined;
export function recipeFromSpec(spec: RecipeSpec): IntentTrainingOptions {
  folder ??= TextFolder.default();
  const minDf = spec.minDf ?? 2;
  const views = (spec.views ?? ['user', 'last@0.5', 'agent@0.5']).map((v) => parseView(v, minDf));
  const sets: KnowledgeSet[] = [];
  if (spec.knowledge !== false) {
    const k = spec.knowledge ?? {};
    const samples = (k.seeds ?? [1]).flatMap((seed) => templateKnowledge(k.perLabel ?? 200, seed, k.variation, k.bareShare));
    sets.push({ name: 'template', samples, weight: k.weight ?? 0.1 });
  }
  const shipped = spec.base === 'shipped';
  if (spec.base !== undefined && !shipped) throw new Error(`unknown base "${String(spec.base)}" (only "shipped")`);
  const hand = spec.handwritten ?? (shipped ? { weight: HANDWRITTEN_WEIGHTS[0] } : undefined);
  if (hand) {
    handwritten ??= loadHandwrittenIntentDialogues({ images: 'none' });
    sets.push({ name: 'handwritten', samples: handwritten, weight: hand.weight });
  }
  const learner = typeof spec.learner === 'object' ? spec.learner : spec.learner === undefined && shipped ? HONEST_INTENT_LEARNER : LEARNERS[spec.learner ?? 'svm'];
  if (!learner) throw new Error(`unknown learner ${spec.learner}`);
  return {
    views,
    ...(spec.fold === false ? {} : { folder }),
    learner,
    knowledgeSets: sets,
    ...(spec.augment ? { augment: spec.augment } : {}),
    ...(spec.classWeight ? { classWeight: spec.classWeight } : {}),
    ...(spec.calibration ? { calibration: spec.calibration } : {}),
    ...(spec.lexicon ? { lexicon: loadCueLexicon(defaultLexiconPath('intent')) } : {}),
  };
}
