// Model soups (Wortsman et al., 2022), as in the EcomMIR paper's Algorithm 1: average the weights
// of checkpoints fine-tuned from one initialisation. The greedy soup adds a checkpoint only if the
// averaged model does not score worse on validation.

import { EcommirError } from '../errors.js';

export type ParameterVector = ArrayLike<number>;

/** Element-wise mean of parameter vectors of equal length. */
export function uniformSoup(checkpoints: readonly ParameterVector[]): Float32Array {
  if (checkpoints.length === 0) throw new EcommirError('ECM_ERR_BAD_OPTION', 'a soup needs at least one checkpoint');
  const length = checkpoints[0].length;
  const sum = new Float64Array(length);
  checkpoints.forEach((p, i) => {
    if (p.length !== length) {
      throw new EcommirError('ECM_ERR_BAD_OPTION', `checkpoint ${i} has ${p.length} parameters, checkpoint 0 has ${length}: soups need one architecture and one initialisation`, { item: { index: i } });
    }
    for (let j = 0; j < length; j++) sum[j] += p[j];
  });
  return Float32Array.from(sum, (s) => s / checkpoints.length);
}

export interface GreedySoupResult {
  params: Float32Array;
  /** Indices (into the input) of the checkpoints in the soup, in the order added. */
  members: number[];
  /** Validation score of the soup. */
  score: number;
  /** Validation score of each individual checkpoint (input order). */
  individualScores: number[];
}

/**
 * Algorithm 1: sort checkpoints by their own validation score, descending; start from the best;
 * add each next one if score(average(soup ∪ {c})) ≥ score(average(soup)). `score` is higher-is-better
 * (the caller computes e.g. validation weighted F1 after setParameters).
 */
export function greedySoup(checkpoints: readonly ParameterVector[], score: (params: Float32Array) => number): GreedySoupResult {
  uniformSoup(checkpoints); // shape checks
  const individualScores = checkpoints.map((p) => score(Float32Array.from(p)));
  const order = individualScores.map((_, i) => i).sort((a, b) => individualScores[b] - individualScores[a] || a - b);
  let members = [order[0]];
  let params: Float32Array = Float32Array.from(checkpoints[order[0]]);
  let best = individualScores[order[0]];
  for (const candidate of order.slice(1)) {
    const trial = [...members, candidate];
    const trialParams = uniformSoup(trial.map((i) => checkpoints[i]));
    const trialScore = score(trialParams);
    if (trialScore >= best) {
      members = trial;
      params = trialParams;
      best = trialScore;
    }
  }
  return { params, members, score: best, individualScores };
}
