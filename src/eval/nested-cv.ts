// Nested cross-validation: the honest estimate of a recipe that *chooses* something from data
// (views, head settings, which knowledge to add). Each outer training fold chooses its configuration
// by itself — by an inner CV or an inner 9:1 split over that training fold only — then the chosen
// configuration is fitted on the whole outer training fold and scored on the outer test fold, which
// took no part in the choice. The reported score is therefore not the maximum over the candidates.
// The configuration to ship is what the same choice makes on all the data (`selectConfiguration`);
// the nested score is the honest estimate of that procedure.
//
//   const result = await nestedCrossValidate(samples, (train, config, seed) => Recognizer.fit(train, { ...config, seed }),
//     taxonomy, { candidates: [{ name: 'default', config: {} }, { name: 'more l2', config: { l2: 1e-2 } }], k: 5, seeds: [0] });
//   result.mean.weightedF1; result.choices; // which candidate each outer fold took
import { stratifiedGroupSplit, type Split } from '../data/split.js';
import { EcommirError } from '../errors.js';
import type { Taxonomy } from '../labels/taxonomy.js';
import type { Sample } from '../types.js';
import { checkExtraTraining, foldsOf, runOuterFolds, type CrossValidationOptions, type CrossValidationResult, type FoldModel, type SplitOptions } from './cross-validate.js';
import { evaluateLabels } from './evaluate.js';

/** A named configuration of a recipe. List the default first: ties go to the earlier candidate. */
export interface Candidate<C> {
  name: string;
  config: C;
}

/** Fits configuration `config` on training samples. */
export type ConfigFitFn<C> = (train: readonly Sample[], config: C, seed: number) => Promise<FoldModel>;

/** How a training set chooses among the candidates: inner k-fold CV (default 3 folds) or one stratified split. */
export type InnerProtocol = { folds: number } | { testFraction: number };

/** A custom chooser: sees the outer training fold only (with the extra training samples appended). */
export type ChooseFn<C> = (train: readonly Sample[], context: { seed: number; fold: number }) => Promise<Candidate<C>> | Candidate<C>;

export interface NestedCrossValidationOptions<C> extends CrossValidationOptions {
  /** The candidates, chosen by `inner` on each outer training fold. */
  candidates?: readonly Candidate<C>[];
  /** Default `{ folds: 3 }`. */
  inner?: InnerProtocol;
  /** Instead of `candidates`: a callback that chooses from the outer training fold. */
  choose?: ChooseFn<C>;
}

export interface FoldChoice {
  seed: number;
  fold: number;
  /** The chosen candidate's name. */
  name: string;
  /** Inner weighted F1 of every candidate (absent for a custom `choose`). */
  innerWeightedF1?: Record<string, number>;
}

export interface NestedCrossValidationResult extends CrossValidationResult {
  /** What each outer fold chose, in seed then fold order. */
  choices: FoldChoice[];
  /** How the outer folds chose: 'inner 3-fold CV', 'inner 9:1 split', 'custom chooser'. */
  selection: string;
}

export interface SelectionOptions extends SplitOptions {
  inner?: InnerProtocol;
  /** Seed of the inner split(s). */
  seed?: number;
}

export interface Selection<C> {
  chosen: Candidate<C>;
  /** Inner weighted F1 of every candidate, by name. */
  innerWeightedF1: Record<string, number>;
}

/**
 * Nested CV: outer stratified (grouped) k-fold over `samples`; inside each outer training fold the
 * candidates are compared by `inner` (or `choose` decides), the winner is fitted on the outer training
 * fold (plus `extraTraining`) and predicts the outer test fold.
 */
export async function nestedCrossValidate<C>(
  samples: readonly Sample[],
  fit: ConfigFitFn<C>,
  taxonomy: Taxonomy,
  options: NestedCrossValidationOptions<C>,
): Promise<NestedCrossValidationResult> {
  const { candidates, choose } = options;
  if (!choose && (!candidates || candidates.length === 0)) throw new EcommirError('ECM_ERR_BAD_OPTION', 'nested CV needs candidates or a choose callback');
  if (choose && candidates) throw new EcommirError('ECM_ERR_BAD_OPTION', 'give candidates or a choose callback, not both');
  if (candidates) checkNames(candidates);
  const extra = checkExtraTraining(samples, options.extraTraining);
  const extraIds = new Set(extra.map((s) => s.id));
  const inner = options.inner ?? { folds: 3 };
  const choices: FoldChoice[] = [];
  const result = await runOuterFolds(samples, taxonomy, options, async (trainWithExtra, _test, seed, fold) => {
    let choice: FoldChoice;
    let chosen: Candidate<C>;
    if (choose) {
      chosen = await choose(trainWithExtra, { seed, fold });
      choice = { seed, fold, name: chosen.name };
    } else {
      // The inner protocol splits the scored part of the training fold only; the extra samples join every inner training side.
      const scored = trainWithExtra.filter((s) => !extraIds.has(s.id));
      const picked = await selectConfiguration(scored, fit, candidates!, { inner, seed: innerSeed(seed, fold), groupOf: options.groupOf, extraTraining: extra });
      chosen = picked.chosen;
      choice = { seed, fold, name: chosen.name, innerWeightedF1: picked.innerWeightedF1 };
    }
    choices.push(choice);
    return fit(trainWithExtra, chosen.config, seed);
  });
  return { ...result, choices, selection: choose ? 'custom chooser' : describeInner(inner) };
}

/**
 * Chooses among `candidates` by `inner` over `samples` alone (the candidate with the best inner weighted
 * F1; ties to the earlier one). Run on all the data, this is the choice to ship; nested CV estimates it.
 */
export async function selectConfiguration<C>(
  samples: readonly Sample[],
  fit: ConfigFitFn<C>,
  candidates: readonly Candidate<C>[],
  options: SelectionOptions = {},
): Promise<Selection<C>> {
  checkNames(candidates);
  const inner = options.inner ?? { folds: 3 };
  const seed = options.seed ?? 0;
  const extra = checkExtraTraining(samples, options.extraTraining);
  const gold = samples.map((s) => s.label ?? '');
  let splits: Split[];
  if ('folds' in inner) splits = foldsOf(samples, { k: inner.folds, seed, groupOf: options.groupOf });
  else {
    const groups = options.groupOf ? samples.map(options.groupOf) : undefined;
    splits = [stratifiedGroupSplit(gold, groups, { testFraction: inner.testFraction, seed })];
  }
  const innerWeightedF1: Record<string, number> = {};
  let best = 0;
  for (const [c, candidate] of candidates.entries()) {
    const yTrue: string[] = [];
    const yPred: string[] = [];
    for (const split of splits) {
      const model = await fit([...split.train.map((i) => samples[i]), ...extra], candidate.config, seed);
      const predicted = await model.predictMany(split.test.map((i) => samples[i]));
      yTrue.push(...split.test.map((i) => gold[i]));
      yPred.push(...predicted.map((p) => p.label));
    }
    innerWeightedF1[candidate.name] = evaluateLabels(yTrue, yPred).weightedF1;
    if (innerWeightedF1[candidate.name] > innerWeightedF1[candidates[best].name]) best = c;
  }
  return { chosen: candidates[best], innerWeightedF1 };
}

/** How often each candidate was chosen, e.g. `default ×4, more l2 ×1`. */
export function summarizeChoices(choices: readonly FoldChoice[]): string {
  const counts = new Map<string, number>();
  for (const c of choices) counts.set(c.name, (counts.get(c.name) ?? 0) + 1);
  return [...counts].map(([name, n]) => `${name} ×${n}`).join(', ');
}

function describeInner(inner: InnerProtocol): string {
  if ('folds' in inner) return `inner ${inner.folds}-fold CV`;
  const test = Math.round(inner.testFraction * 10);
  return Number.isInteger(inner.testFraction * 10) ? `inner ${10 - test}:${test} split` : `inner split (${inner.testFraction} held out)`;
}

// Inner splits get their own seed so that they do not replay the outer fold assignment.
function innerSeed(seed: number, fold: number): number {
  return seed * 1000 + fold + 1;
}

function checkNames<C>(candidates: readonly Candidate<C>[]): void {
  const names = new Set<string>();
  for (const c of candidates) {
    if (typeof c.name !== 'string' || c.name === '') throw new EcommirError('ECM_ERR_BAD_OPTION', 'every candidate needs a name');
    if (names.has(c.name)) throw new EcommirError('ECM_ERR_BAD_OPTION', `two candidates are named ${c.name}`);
    names.add(c.name);
  }
}
