// A reserved holdout: part of the labelled data that no development decision may look at. It is
// fixed before any experiment (samples ordered by id, a stratified split with a fixed seed), so a
// rerun, another helper or a reviewer draws the very same samples; development works by
// cross-validation on the rest, and the holdout is scored once, at the end, by the final recipe.
import type { Sample } from '../types.js';
import { stratifiedSplit } from '../data/split.js';
import { compareCodePoints } from './metrics.js';

export interface HoldoutOptions {
  /** Share of the samples held out. Default 0.2. */
  fraction?: number;
  /** Seed of the stratified split. Default 2025. */
  seed?: number;
}

export const RESERVED_HOLDOUT: Readonly<Required<HoldoutOptions>> = Object.freeze({ fraction: 0.2, seed: 2025 });

export interface HoldoutSplit<T> {
  /** What development may use (cross-validation, choices, fitting). */
  develop: T[];
  /** What is scored once at the end. */
  holdout: T[];
}

/**
 * The stratified split of labelled samples into develop / holdout. Samples are ordered by id first,
 * so the split does not depend on the order of the data file. Every sample here has one image: an
 * image's augmented copies are made from its sample at training time and follow it.
 */
export function reservedHoldout<T extends Pick<Sample, 'id' | 'label'>>(samples: readonly T[], options: HoldoutOptions = {}): HoldoutSplit<T> {
  const { fraction, seed } = { ...RESERVED_HOLDOUT, ...options };
  const ordered = [...samples].sort((a, b) => compareCodePoints(a.id, b.id));
  const split = stratifiedSplit(
    ordered.map((s) => s.label ?? ''),
    { testFraction: fraction, seed },
  );
  return { develop: split.train.map((i) => ordered[i]), holdout: split.test.map((i) => ordered[i]) };
}
