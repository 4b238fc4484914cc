// Pseudo-labels for unlabelled data (the paper's semi-supervised step): keep a sample only where a
// predictor is very confident and, when a second predictor is given, both agree and both are confident.

import { EcommirError } from '../errors.js';
import { argmaxRows } from './head.js';

export interface PseudoLabelSelection {
  /** Row indices of the kept samples, increasing. */
  indices: Int32Array;
  /** Pseudo-label of each kept sample. */
  labels: Int32Array;
  /** Max probability of predictor A for each kept sample. */
  confidence: Float32Array;
  counts: { total: number; confidentA: number; confidentB: number; agree: number; kept: number };
}

export function selectPseudoLabels(
  probsA: ArrayLike<number>, // [n, k]
  nClasses: number,
  probsB?: ArrayLike<number>, // [n, k]
  options: { threshold?: number } = {},
): PseudoLabelSelection {
  const threshold = options.threshold ?? 0.99;
  if (!(threshold > 0 && threshold <= 1)) throw new EcommirError('ECM_ERR_BAD_OPTION', `threshold must be in (0, 1], got ${threshold}`);
  if (!Number.isInteger(nClasses) || nClasses < 1 || probsA.length % nClasses !== 0) {
    throw new EcommirError('ECM_ERR_BAD_OPTION', `probabilities of length ${probsA.length} are not rows of ${nClasses} classes`);
  }
  const n = probsA.length / nClasses;
  if (probsB && probsB.length !== probsA.length) throw new EcommirError('ECM_ERR_BAD_OPTION', `the two predictors give ${probsA.length} and ${probsB.length} probabilities`);
  const predA = argmaxRows(probsA, n, nClasses);
  const predB = probsB ? argmaxRows(probsB, n, nClasses) : null;
  const indices: number[] = [];
  const labels: number[] = [];
  const confidence: number[] = [];
  const counts = { total: n, confidentA: 0, confidentB: 0, agree: 0, kept: 0 };
  for (let i = 0; i < n; i++) {
    const confA = probsA[i * nClasses + predA[i]];
    const okA = confA >= threshold;
    if (okA) counts.confidentA++;
    let okB = true;
    if (probsB && predB) {
      okB = probsB[i * nClasses + predB[i]] >= threshold;
      if (okB) counts.confidentB++;
      if (predA[i] === predB[i]) counts.agree++;
      okB = okB && predA[i] === predB[i];
    }
    if (okA && okB) {
      indices.push(i);
      labels.push(predA[i]);
      confidence.push(confA);
    }
  }
  counts.kept = indices.length;
  return { indices: Int32Array.from(indices), labels: Int32Array.from(labels), confidence: Float32Array.from(confidence), counts };
}
