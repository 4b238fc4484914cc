// The intent recipes compared by the honest intent section (intent-honest.ts) and by screening runs:
// named training options built from parts (views, text folding, learner), so a bench row and the
// shipped model are made by the same code.
import { compareCodePoints } from '../../src/eval/metrics.js';
import { stratifiedSplit } from '../../src/data/split.js';
import type { CueLexicon } from '../../src/features/text/cue-lexicon.js';
import type { TextViewSpec } from '../../src/features/text/feature-union.js';
import { TextFolder } from '../../src/features/text/variants.js';
import type { LearnerSpec } from '../../src/learn/learner.js';
import type { IntentTrainingOptions } from '../../src/tasks/intent/recognizer.js';
import type { Sample } from '../../src/types.js';
import { synthesizeIntentSamples } from '../../src/knowledge/intent-synth.js';

/** No cues at all: the honest baseline when no clean-room lexicon is given. */
export const EMPTY_LEXICON: CueLexicon = { cues: new Map(), source: '(none)' };

/**
 * The reserved holdout: the dev intent samples ordered by id, a stratified 80/20 split with seed 2025.
 * Development reads only `develop`; `holdout` is scored once, with the final recipe.
 */
export function intentHoldout(samples: readonly Sample[]): { develop: Sample[]; holdout: Sample[] } {
  const intent = samples.filter((s) => s.task === 'intent').sort((a, b) => compareCodePoints(a.id, b.id));
  const split = stratifiedSplit(intent.map((s) => s.label ?? ''), { testFraction: 0.2, seed: 2025 });
  return { develop: split.train.map((i) => intent[i]), holdout: split.test.map((i) => intent[i]) };
}

/** A character 1–2-gram TF-IDF view (sublinear) of one part of the dialogue. */
export const char12 = (name: string, weight = 1): TextViewSpec => ({ name, analyzer: { kind: 'char', min: 1, max: 2 }, tfidf: { sublinearTf: true }, weight });
const pinyin12 = (name: string, weight = 1): TextViewSpec => ({ name, analyzer: { kind: 'pinyin', min: 1, max: 2 }, tfidf: { sublinearTf: true }, weight });
const tokens = (name: string, weight = 1): TextViewSpec => ({ name, analyzer: { kind: 'tokens' }, weight });

export interface RecipeParts {
  fold?: boolean;
  last?: number; // weight of the latest-question view, 0 = off
  first?: number;
  agent?: number;
  pinyin?: number;
  agentPinyin?: number;
  classes?: number;
  lexicon?: number;
  ocr?: number;
  mined?: number;
  learner?: LearnerSpec;
  /** Synthetic dialogues per label from knowledge/intent (0 = none) and their sample weight. */
  knowledge?: { perLabel: number; weight: number };
  /** Minimum document frequency of the n-gram views. Default 1. */
  minDf?: number;
}

export function viewsFor(p: RecipeParts): TextViewSpec[] {
  const views: TextViewSpec[] = [char12('user')];
  if (p.last) views.push(char12('last', p.last));
  if (p.first) views.push(char12('first', p.first));
  if (p.agent) views.push(char12('agent', p.agent));
  if (p.pinyin) views.push(pinyin12('userPinyin', p.pinyin));
  if (p.agentPinyin) views.push(pinyin12('agentPinyin', p.agentPinyin));
  if (p.classes) views.push(tokens('classes', p.classes));
  if (p.lexicon) views.push(tokens('lexicon', p.lexicon));
  if (p.mined) views.push(tokens('mined', p.mined));
  if (p.ocr) views.push({ name: 'ocr', analyzer: { kind: 'char', min: 1, max: 2 }, tfidf: { sublinearTf: true }, weight: p.ocr });
  return views;
}

let folder: TextFolder | undefined;
const knowledgeCache = new Map<number, Sample[]>();
/** The synthetic knowledge dialogues (generator seed 1, no images), cached per size. */
export function knowledgeSamples(perLabel: number): Sample[] {
  let s = knowledgeCache.get(perLabel);
  if (!s) knowledgeCache.set(perLabel, (s = synthesizeIntentSamples({ seed: 1, perLabel, images: 'none' })));
  return s;
}
export function recipeOptions(p: RecipeParts, lexicon: CueLexicon): IntentTrainingOptions {
  folder ??= TextFolder.default();
  const views = viewsFor(p).map((v) => (p.minDf && v.analyzer.kind !== 'tokens' ? { ...v, tfidf: { ...v.tfidf, minDf: p.minDf } } : v));
  return {
    views,
    lexicon,
    ...(p.fold ? { folder } : {}),
    ...(p.learner ? { learner: p.learner } : {}),
    ...(p.mined ? { mineCues: {} } : {}),
    ...(p.knowledge && p.knowledge.perLabel > 0 ? { knowledge: knowledgeSamples(p.knowledge.perLabel), knowledgeWeight: p.knowledge.weight } : {}),
    calibrate: 'none',
  };
}

export const LEARNERS: Record<string, LearnerSpec> = {
  svm: { kind: 'LinearSvm', options: { C: 0.5 } },
  cnb: { kind: 'NaiveBayes', options: { variant: 'complement', alpha: 0.3 } },
  mnb: { kind: 'NaiveBayes', options: { variant: 'multinomial', alpha: 0.1 } },
  knn: { kind: 'CosineKnn', options: { k: 10, smoothing: 0.5 } },
  softmax: { kind: 'SoftmaxRegression', options: { l2: 3e-3, epochs: 200, lr: 0.05 } },
};

export function stack(members: string[], extra: Record<string, unknown> = {}): LearnerSpec {
  return { kind: 'StackingClassifier', options: { members: members.map((m) => LEARNERS[m]), metaInput: 'logProba', ...extra } };
}
export function selected(members: string[]): LearnerSpec {
  return { kind: 'SelectedEnsemble', options: { members: members.map((m) => LEARNERS[m]) } };
}
