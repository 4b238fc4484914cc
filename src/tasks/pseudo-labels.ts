// The paper's high-confidence pseudo-labelling: two different predictors trained on the labelled
// data label the unlabelled samples; a sample joins the training set only when both are confident
// (≥ threshold, 0.99 by default) and agree. The final model is then trained on labelled + pseudo.
import { selectPseudoLabels } from '../learn/pseudo.js';
import type { Prediction, Sample } from '../types.js';

export interface PseudoLabelModel {
  readonly labels: readonly string[];
  predictMany(samples: readonly Sample[]): Promise<Prediction[]>;
}

export interface PseudoLabelReport {
  unlabelled: number;
  confidentA: number;
  confidentB: number;
  agree: number;
  taken: number;
  threshold: number;
  /** Taken per label. */
  perLabel: Record<string, number>;
}

/** Probability rows [n, k] in the model's label order, from ranked predictions. */
function probabilityRows(predictions: readonly Prediction[], labels: readonly string[]): Float32Array {
  const k = labels.length;
  const out = new Float32Array(predictions.length * k);
  const index = new Map(labels.map((l, i) => [l, i]));
  predictions.forEach((p, i) => {
    for (const r of p.ranked) out[i * k + index.get(r.label)!] = r.confidence;
  });
  return out;
}

export async function pseudoLabel(
  unlabelled: readonly Sample[],
  a: PseudoLabelModel,
  b: PseudoLabelModel | undefined,
  threshold = 0.99,
): Promise<{ samples: Sample[]; report: PseudoLabelReport }> {
  const labels = a.labels;
  const probsA = probabilityRows(await a.predictMany(unlabelled), labels);
  const probsB = b ? probabilityRows(await b.predictMany(unlabelled), labels) : undefined;
  const chosen = selectPseudoLabels(probsA, labels.length, probsB, { threshold });
  const samples: Sample[] = [];
  const perLabel: Record<string, number> = {};
  chosen.indices.forEach((row, j) => {
    const label = labels[chosen.labels[j]];
    samples.push({ ...unlabelled[row], label });
    perLabel[label] = (perLabel[label] ?? 0) + 1;
  });
  const c = chosen.counts;
  return { samples, report: { unlabelled: c.total, confidentA: c.confidentA, confidentB: c.confidentB, agree: c.agree, taken: c.kept, threshold, perLabel } };
}
