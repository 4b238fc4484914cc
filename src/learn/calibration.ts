// Temperature scaling (Guo et al., 2017): one scalar T fitted on validation logits so that
// softmax(z / T) minimises NLL; it fixes over-confidence without changing the arg-max.
// Plus expected calibration error (ECE) and its reliability table.

import { EcommirError } from '../errors.js';
import { argmaxRows, softmaxRowsInPlace } from './head.js';
import { goldenSectionMinimize } from './golden-section.js';

/** Mean NLL of softmax(logits / T) [n, k] at the true labels. */
export function temperatureNll(logits: ArrayLike<number>, labels: ArrayLike<number>, nClasses: number, temperature: number): number {
  const n = labels.length;
  const k = nClasses;
  let total = 0;
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, logits[i * k + c] / temperature);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp(logits[i * k + c] / temperature - max);
    total += Math.log(sum) + max - logits[i * k + labels[i]] / temperature;
  }
  return total / n;
}

/** T minimising validation NLL, by golden-section search on log T over [log 0.05, log 20]. */
export function fitTemperature(logits: ArrayLike<number>, labels: ArrayLike<number>, nClasses: number): number {
  checkShapes(logits, labels, nClasses);
  const f = (logT: number): number => temperatureNll(logits, labels, nClasses, Math.exp(logT));
  return Math.exp(goldenSectionMinimize(f, Math.log(0.05), Math.log(20), { maxSteps: 80, tolerance: 1e-7 }));
}

/** [n, k] probabilities softmax(logits / T). */
export function applyTemperature(logits: ArrayLike<number>, nClasses: number, temperature: number): Float32Array {
  if (!(temperature > 0)) throw new EcommirError('ECM_ERR_BAD_OPTION', `temperature must be > 0, got ${temperature}`);
  const scaled = Float64Array.from(logits as ArrayLike<number>, (z) => z / temperature);
  softmaxRowsInPlace(scaled, scaled.length / nClasses, nClasses);
  return Float32Array.from(scaled);
}

export interface ReliabilityBin {
  /** [lower, upper) confidence range (the last bin includes 1). */
  lower: number;
  upper: number;
  count: number;
  meanConfidence: number;
  accuracy: number;
}

export interface CalibrationReport {
  /** Σ_b (count_b / n)·|accuracy_b − confidence_b|. */
  ece: number;
  bins: ReliabilityBin[];
}

/** ECE and the reliability table of top-1 confidences from probabilities [n, k], equal-width bins. */
export function expectedCalibrationError(proba: ArrayLike<number>, labels: ArrayLike<number>, nClasses: number, nBins = 15): CalibrationReport {
  checkShapes(proba, labels, nClasses);
  const n = labels.length;
  const pred = argmaxRows(proba, n, nClasses);
  const count = new Float64Array(nBins);
  const confSum = new Float64Array(nBins);
  const correct = new Float64Array(nBins);
  for (let i = 0; i < n; i++) {
    const conf = proba[i * nClasses + pred[i]];
    const b = Math.min(nBins - 1, Math.floor(conf * nBins));
    count[b]++;
    confSum[b] += conf;
    if (pred[i] === labels[i]) correct[b]++;
  }
  let ece = 0;
  const bins: ReliabilityBin[] = [];
  for (let b = 0; b < nBins; b++) {
    const meanConfidence = count[b] ? confSum[b] / count[b] : 0;
    const accuracy = count[b] ? correct[b] / count[b] : 0;
    ece += (count[b] / n) * Math.abs(accuracy - meanConfidence);
    bins.push({ lower: b / nBins, upper: (b + 1) / nBins, count: count[b], meanConfidence, accuracy });
  }
  return { ece, bins };
}

function checkShapes(scores: ArrayLike<number>, labels: ArrayLike<number>, nClasses: number): void {
  if (labels.length === 0 || scores.length !== labels.length * nClasses) {
    throw new EcommirError('ECM_ERR_BAD_OPTION', `expected ${labels.length}×${nClasses} scores, got ${scores.length}`);
  }
  for (let i = 0; i < labels.length; i++) {
    if (!Number.isInteger(labels[i]) || labels[i] < 0 || labels[i] >= nClasses) {
      throw new EcommirError('ECM_ERR_UNKNOWN_LABEL', `label ${labels[i]} is not in [0, ${nClasses})`, { item: { index: i } });
    }
  }
}
