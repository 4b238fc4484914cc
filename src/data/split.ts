// Seeded, stratified splits of a labelled set: the paper's 9:1 train/validation split and
// k-fold cross-validation folds balanced per class like scikit-learn's StratifiedKFold.
// Indices refer to positions in the `labels` array; every returned list is sorted ascending.
import { EcommirError } from '../errors.js';
import { createRng, type Rng } from '../learn/random.js';
import { compareCodePoints } from '../eval/metrics.js';

export interface Split {
  train: number[];
  test: number[];
}

/** Positions of each label, classes in code-point order so that the result does not depend on input order of classes. */
function groupByLabel(labels: readonly string[]): number[][] {
  const byLabel = new Map<string, number[]>();
  labels.forEach((label, i) => {
    if (typeof label !== 'string') throw new EcommirError('ECM_ERR_BAD_OPTION', 'label must be a string', { item: { index: i } });
    let list = byLabel.get(label);
    if (!list) byLabel.set(label, (list = []));
    list.push(i);
  });
  return [...byLabel.keys()].sort(compareCodePoints).map((l) => byLabel.get(l)!);
}

function checkSeed(seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new EcommirError('ECM_ERR_BAD_OPTION', `seed must be a finite number, got ${String(seed)}`);
  }
  return seed;
}

const ascending = (a: number, b: number) => a - b;

/**
 * A stratified train/test split (default 9:1). Each class gives about `testFraction` of its samples
 * to test (largest-remainder rounding so the total is round(n·testFraction)); a class with at least
 * two samples always keeps one in train, and a class with a single sample goes wholly to train.
 */
export function stratifiedSplit(labels: readonly string[], options: { testFraction?: number; seed: number }): Split {
  const testFraction = options.testFraction ?? 0.1;
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new EcommirError('ECM_ERR_BAD_OPTION', `testFraction must be in (0, 1), got ${testFraction}`);
  }
  const rng = createRng(checkSeed(options.seed));
  const groups = groupByLabel(labels).map((g) => rng.shuffle([...g]));
  const caps = groups.map((g) => (g.length >= 2 ? g.length - 1 : 0));
  const quotas = groups.map((g) => g.length * testFraction);
  const take = quotas.map((q, c) => Math.min(Math.floor(q), caps[c]));
  const target = Math.min(
    Math.round(labels.length * testFraction),
    caps.reduce((a, b) => a + b, 0),
  );
  // Hand the remaining test places to the classes with the largest fractional remainders
  // (ties broken by a seeded draw, so no class is favoured by its name).
  const tieBreak = groups.map(() => rng.next());
  const order = groups
    .map((_, c) => c)
    .sort((a, b) => quotas[b] - take[b] - (quotas[a] - take[a]) || tieBreak[a] - tieBreak[b]);
  let assigned = take.reduce((a, b) => a + b, 0);
  for (let pass = 0; assigned < target && pass < 2; pass++) {
    for (const c of order) {
      if (assigned >= target) break;
      if (take[c] < caps[c]) {
        take[c]++;
        assigned++;
      }
    }
  }
  const train: number[] = [];
  const test: number[] = [];
  groups.forEach((g, c) => {
    test.push(...g.slice(0, take[c]));
    train.push(...g.slice(take[c]));
  });
  return { train: train.sort(ascending), test: test.sort(ascending) };
}

/**
 * k stratified folds, as scikit-learn's StratifiedKFold(shuffle=True): samples are laid out class by
 * class (each class shuffled with the seed) and dealt to folds round-robin, so every class's count
 * differs by at most one between folds and fold sizes differ by at most one. Each index is in
 * exactly one test fold. Classes with fewer than k samples are allowed (they miss some folds).
 */
export function stratifiedKFold(labels: readonly string[], options: { k?: number; seed: number }): Split[] {
  const k = options.k ?? 5;
  if (!Number.isInteger(k) || k < 2) throw new EcommirError('ECM_ERR_BAD_OPTION', `k must be an integer ≥ 2, got ${k}`);
  // Reached from fit() when the data is too small for the folds its calibration or stack needs: the
  // data's fault (a fit on three samples), named as such.
  if (k > labels.length) {
    throw new EcommirError('ECM_ERR_TOO_FEW_SAMPLES', `${k} folds need at least ${k} samples, got ${labels.length}`);
  }
  const rng: Rng = createRng(checkSeed(options.seed));
  const foldOf = new Int32Array(labels.length); // [nSamples] → test fold
  let position = 0;
  for (const group of groupByLabel(labels)) {
    for (const i of rng.shuffle([...group])) foldOf[i] = position++ % k;
  }
  const folds: Split[] = Array.from({ length: k }, () => ({ train: [], test: [] }));
  for (let i = 0; i < labels.length; i++) {
    for (let f = 0; f < k; f++) (f === foldOf[i] ? folds[f].test : folds[f].train).push(i);
  }
  return folds;
}

/**
 * Runs a stratified splitter over groups instead of rows, so that rows sharing a group (an image and its
 * augmented copies, samples that share a source image) always land on one side of every split. Each
 * group counts as one unit labelled by its most frequent label (ties: the first in code-point order).
 * Units are taken in order of first appearance, so when every row is its own group the result is the
 * splitter's own result on the rows. `groups` undefined: every row is its own group.
 */
export function splitByGroup(
  labels: readonly string[],
  groups: readonly (string | number)[] | ArrayLike<number> | undefined,
  splitter: (unitLabels: string[]) => Split[],
): Split[] {
  if (!groups) return splitter([...labels]);
  if (groups.length !== labels.length) {
    throw new EcommirError('ECM_ERR_BAD_OPTION', `groups has ${groups.length} entries for ${labels.length} rows`);
  }
  const rowsOf = new Map<string | number, number[]>();
  for (let row = 0; row < labels.length; row++) {
    const g = groups[row];
    let rows = rowsOf.get(g);
    if (!rows) rowsOf.set(g, (rows = []));
    rows.push(row);
  }
  const units = [...rowsOf.values()];
  const unitLabels = units.map((rows) => {
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(labels[r], (counts.get(labels[r]) ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1] || compareCodePoints(a[0], b[0]))[0][0];
  });
  const expand = (side: number[]) => side.flatMap((u) => units[u]).sort(ascending);
  return splitter(unitLabels).map((s) => ({ train: expand(s.train), test: expand(s.test) }));
}

/** {@link stratifiedKFold} over groups (see {@link splitByGroup}). */
export function stratifiedGroupKFold(
  labels: readonly string[],
  groups: readonly (string | number)[] | ArrayLike<number> | undefined,
  options: { k?: number; seed: number },
): Split[] {
  return splitByGroup(labels, groups, (unitLabels) => stratifiedKFold(unitLabels, options));
}

/** {@link stratifiedSplit} over groups (see {@link splitByGroup}). */
export function stratifiedGroupSplit(
  labels: readonly string[],
  groups: readonly (string | number)[] | ArrayLike<number> | undefined,
  options: { testFraction?: number; seed: number },
): Split {
  return splitByGroup(labels, groups, (unitLabels) => [stratifiedSplit(unitLabels, options)])[0];
}
