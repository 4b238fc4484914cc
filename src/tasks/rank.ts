// From a probability row to the Prediction every recogniser returns: ranked labels with their coarse
// group, the `粗类-细类` form, and the uncertain flag a service routes to a human.
import type { Taxonomy } from '../labels/taxonomy.js';
import type { Evidence, Prediction, Sample } from '../types.js';

export function rankPrediction(sample: Pick<Sample, 'id' | 'task'>, taxonomy: Taxonomy, proba: ArrayLike<number>, options: { threshold?: number; topK?: number } = {}): Prediction {
  const order = Array.from(taxonomy.labels.keys()).sort((a, b) => proba[b] - proba[a] || a - b);
  const ranked = order.slice(0, options.topK ?? order.length).map((c) => {
    const label = taxonomy.labels[c];
    return { label, coarse: taxonomy.coarseOf(label), confidence: proba[c] };
  });
  const best = ranked[0];
  return {
    id: sample.id,
    task: sample.task,
    label: best.label,
    coarse: best.coarse,
    hierarchical: taxonomy.hierarchical(best.label),
    confidence: best.confidence,
    uncertain: best.confidence < (options.threshold ?? 0),
    ranked,
  };
}

/** The `top` heaviest evidence items, one per leading feature (padded n-grams such as " 退款" and "退款 " read alike). */
export function strongestDistinct(items: Evidence[], top: number): Evidence[] {
  const seen = new Set<string>();
  const out: Evidence[] = [];
  for (const e of [...items].sort((a, b) => b.weight - a.weight)) {
    const key = e.features[0] ?? '';
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
    if (out.length === top) break;
  }
  return out;
}
