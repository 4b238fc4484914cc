// Weighted cross-entropy on logits, with the optional hierarchical term: for label hierarchies
// (粗类-细类) the coarse probability is the sum of fine probabilities in its group, and
// λ·(−log P(coarse)) is added, so coarse mistakes cost more than mistakes within a group.

export interface CoarseTerm {
  /** [nClasses] fine class index → coarse group index. */
  coarseOf: readonly number[];
  /** λ, the weight of the coarse loss. */
  weight: number;
}

/**
 * Loss = Σ_i w_i/scale · [CE(z_i, y_i) + λ·(−log Σ_{f∈G(y_i)} p_if)].
 * Writes dLoss/dz into `dLogits` [n, k] (overwriting) and returns the loss.
 */
export function crossEntropyOnLogits(
  logits: Float64Array, // [n, k]
  n: number,
  k: number,
  labels: Int32Array, // [n]
  weights: Float64Array, // [n]
  scale: number,
  dLogits: Float64Array, // [n, k] output
  coarse?: CoarseTerm,
): number {
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const o = i * k;
    const w = weights[i] / scale;
    let max = -Infinity;
    for (let c = 0; c < k; c++) if (logits[o + c] > max) max = logits[o + c];
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const e = Math.exp(logits[o + c] - max);
      dLogits[o + c] = e;
      sum += e;
    }
    const logSum = Math.log(sum) + max;
    const y = labels[i];
    loss += w * (logSum - logits[o + y]);
    // dLogits now holds p·sum; turn it into p, then into the CE gradient p − onehot.
    for (let c = 0; c < k; c++) dLogits[o + c] /= sum;
    if (coarse && coarse.weight !== 0) {
      const group = coarse.coarseOf[y];
      let pGroup = 0;
      for (let c = 0; c < k; c++) if (coarse.coarseOf[c] === group) pGroup += dLogits[o + c];
      loss += w * coarse.weight * -Math.log(Math.max(pGroup, 1e-300));
      // d(−log P_G)/dz_c = p_c − [c∈G]·p_c/P_G
      for (let c = 0; c < k; c++) {
        const p = dLogits[o + c];
        const inGroup = coarse.coarseOf[c] === group ? p / pGroup : 0;
        dLogits[o + c] = w * ((p - (c === y ? 1 : 0)) + coarse.weight * (p - inGroup));
      }
    } else {
      for (let c = 0; c < k; c++) dLogits[o + c] = w * (dLogits[o + c] - (c === y ? 1 : 0));
    }
  }
  return loss;
}
