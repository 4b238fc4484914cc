// How unsure a prediction is, from its ranked probabilities: the two measures active learning
// uses (Settles 2009, "Active Learning Literature Survey", §3.1). Margin is the gap between the
// two most probable labels (small: the model hesitates between two); normalised entropy spreads
// over the whole distribution (1: uniform, 0: one label certain).

export interface Uncertainty {
  /** p(first) − p(second), in [0, 1]; lower is less certain. */
  margin: number;
  /** Shannon entropy / ln(K), in [0, 1]; higher is less certain. */
  entropy: number;
}

/**
 * `probabilities`: the model's probabilities of the labels it returned (any order). When only the
 * top labels are known, `labelCount` (K) spreads the rest of the mass evenly over the unseen
 * labels, which bounds the entropy from above the way a full distribution would.
 */
export function uncertaintyOf(probabilities: readonly number[], labelCount = probabilities.length): Uncertainty {
  const p = probabilities.filter((x) => Number.isFinite(x) && x > 0).sort((a, b) => b - a);
  const k = Math.max(labelCount, p.length);
  if (k <= 1) return { margin: 1, entropy: 0 };
  const margin = (p[0] ?? 0) - (p[1] ?? 0);
  let h = 0;
  for (const x of p) h -= x * Math.log(x);
  const rest = Math.max(0, 1 - p.reduce((s, x) => s + x, 0));
  const unseen = k - p.length;
  if (rest > 1e-12 && unseen > 0) h -= rest * Math.log(rest / unseen);
  return { margin: clamp01(margin), entropy: clamp01(h / Math.log(k)) };
}

/** How much a label would teach: 1 − margin, or the normalised entropy. */
export type Informativeness = 'margin' | 'entropy';

export function informativeness(u: Uncertainty, by: Informativeness): number {
  return by === 'margin' ? 1 - u.margin : u.entropy;
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}
