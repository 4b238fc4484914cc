// The intent recipe `ecommir train intent` uses by default, and the one the shipped model was made with:
// text folded for typing variation; the user's turns, the latest question and the agent's replies as
// character 1–2-gram views; a stack of a linear SVM and complement naive Bayes whose scores become
// probabilities through a temperature fitted on out-of-fold scores of the real training rows; two
// knowledge sources written from the label definitions, never from dev text, each with its own sample
// weight: the template-generated dialogues (knowledge/intent, weight 0.1) and the hand-written
// dialogues (knowledge/intent-dialogues, weight 0.5).
// Screened by cross-validation on the 80% development part of the dev data only
// (bench/research/intent-screen.ts; bench/sections/intent-honest.ts). The clean-room cue lexicon stays
// user-editable knowledge: as a feature view it lowered the screening score once the synthetic
// dialogues were in (they already carry its words), so it is off by default.
import type { TextViewSpec } from '../../features/text/feature-union.js';
import { TextFolder } from '../../features/text/variants.js';
import { synthesizeIntentSamples } from '../../knowledge/intent-synth.js';
import { loadHandwrittenIntentDialogues } from '../../knowledge/handwritten-intent.js';
import type { LearnerSpec } from '../../learn/learner.js';
import type { Sample } from '../../types.js';
import type { IntentTrainingOptions } from './recognizer.js';

// n-grams seen in one training document only are dropped (minDf 2): the same screening score (0.8018 vs
// 0.8015, 3 seeds on the 80% part) with about half the vocabulary, so the model file stays small.
export const HONEST_INTENT_VIEWS: TextViewSpec[] = [
  { name: 'user', analyzer: { kind: 'char', min: 1, max: 2 }, tfidf: { sublinearTf: true, minDf: 2 } },
  { name: 'last', analyzer: { kind: 'char', min: 1, max: 2 }, tfidf: { sublinearTf: true, minDf: 2 }, weight: 0.5 },
  { name: 'agent', analyzer: { kind: 'char', min: 1, max: 2 }, tfidf: { sublinearTf: true, minDf: 2 }, weight: 0.5 },
];
// C 2: screening on the 80% part (5-fold × 3 seeds, both knowledge sources) gave C 0.5 → 0.7923,
// 1 → 0.7975, 2 → 0.8021, 4 → 0.8022.
export const INTENT_SVM: LearnerSpec = { kind: 'LinearSvm', options: { C: 2 } };
// The SVM stacked with complement naive Bayes under a softmax meta-learner fitted on 3-fold out-of-fold
// probabilities of the real training rows only (knowledge rows always train, never score), so each
// member is weighed on real dialogues. Screening on the 80% part, 5-fold: seeds 0–2 0.8516 vs 0.8092
// for the SVM alone, seeds 3–5 0.8414 vs 0.8156; with a kNN member as well 0.8238 (greedy selection of
// SVM + naive Bayes + kNN 0.8125, their log-linear pool 0.8106, against the SVM's 0.8159 in one run).
// Adopted by a rule written before it was measured; the rule and the comparison are in models/intent/MODEL_CARD.md.
export const HONEST_INTENT_LEARNER: LearnerSpec = {
  kind: 'StackingClassifier',
  options: { folds: 3, members: [INTENT_SVM, { kind: 'NaiveBayes', options: { variant: 'complement', alpha: 0.3 } }] },
};
/** Synthetic dialogues per label, and the sample weight of each. */
export const KNOWLEDGE_PER_LABEL = 200;
export const KNOWLEDGE_WEIGHT = 0.1;
/**
 * Sample weight of each hand-written dialogue, and the candidates nested CV chooses among (the first is
 * the default). Screening on the 80% part, 5-fold × 3 seeds, template weight 0.1, SVM C 1: hand-written
 * weight 0 → 0.7821, 0.1 → 0.7921, 0.3 → 0.7949, 0.5 → 0.7975, 1 → 0.7959 (template weight 0.05 → 0.7971,
 * 0.2 → 0.7933 at hand-written 0.5; hand-written alone at 0.3 → 0.7866); with C 2: 0.3 → 0.8002,
 * 0.5 → 0.8021, 1 → 0.8002. The out-of-fold temperature leaves the labels as they are and lowered the
 * out-of-fold ECE from 0.084 to 0.067 (C 1).
 */
export const HANDWRITTEN_WEIGHTS = [0.5, 0.3, 1];

let cached: Sample[] | undefined;
/** The knowledge rows: synthetic dialogues from knowledge/intent (generator seed 1, images as placeholders dropped). */
export function intentKnowledgeSamples(): Sample[] {
  cached ??= synthesizeIntentSamples({ seed: 1, perLabel: KNOWLEDGE_PER_LABEL, images: 'none' });
  return cached;
}

let handwritten: Sample[] | undefined;
/** The hand-written dialogues of knowledge/intent-dialogues (image markers dropped, as in the template rows). */
export function intentHandwrittenSamples(): Sample[] {
  handwritten ??= loadHandwrittenIntentDialogues({ images: 'none' });
  return handwritten;
}

export interface DefaultIntentRecipeOptions {
  /** false: no knowledge rows at all (the `--no-knowledge` ablation). */
  knowledge?: boolean;
  /** Sample weight of each template-generated dialogue (0 = leave them out). Default 0.1. */
  knowledgeWeight?: number;
  /** Sample weight of each hand-written dialogue (0 = leave them out). Default 0.5. */
  handwrittenWeight?: number;
  /**
   * Fit the out-of-fold temperature (default true). It only rescales the margins, so the predicted
   * labels are the same without it: CV loops that score labels alone may skip it (5 extra fits each).
   */
  calibrate?: boolean;
}

/** Training options of the default recipe. */
export function defaultIntentOptions(options: DefaultIntentRecipeOptions = {}): IntentTrainingOptions {
  const templateWeight = options.knowledgeWeight ?? KNOWLEDGE_WEIGHT;
  const handWeight = options.handwrittenWeight ?? HANDWRITTEN_WEIGHTS[0];
  const useKnowledge = options.knowledge !== false;
  return {
    views: HONEST_INTENT_VIEWS,
    folder: TextFolder.default(),
    learner: HONEST_INTENT_LEARNER,
    ...(useKnowledge && templateWeight > 0 ? { knowledge: intentKnowledgeSamples(), knowledgeWeight: templateWeight } : {}),
    ...(useKnowledge && handWeight > 0 ? { knowledgeSets: [{ name: 'handwritten', samples: intentHandwrittenSamples(), weight: handWeight }] } : {}),
    ...(options.calibrate === false ? {} : { calibration: {} }),
  };
}
