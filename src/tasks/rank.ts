// From a probability row to the Prediction every recogniser returns: ranked labels with their coarse
// group, the `粗类-细类` form, and the uncertain flag a service routes to a human.
import type { Taxonomy } from '../labels/taxonomy.js';
import type { Evidence, Prediction, Sample } from '../types.js';

/**
 * A sample's `candidates` ("the labels to choose from") restrict the answer: the other labels are
 * left out and the candidates' probabilities renormalised. Candidates naming every label (the
 * challenge's instructions do) or none of ours change nothing.
 */
function restrictToCandidates(candidates: readonly string[] | undefined, taxonomy: Taxonomy, proba: ArrayLike<number>): { order: number[]; proba: ArrayLike<number> } {
  const all = Array.from(taxonomy.labels.keys());
  if (!candidates || candidates.length === 0) return { order: all, proba };
  // Marks in label order, not a Set: this runs for every prediction, and every challenge record
  // names all labels, which ends in the line after the loop.
  const allowed = new Uint8Array(all.length);
  let kept = 0;
  for (const candidate of candidates) {
    const c = taxonomy.indexOf(candidate);
    if (c >= 0 && allowed[c] === 0) {
      allowed[c] = 1;
      kept++;
    }
  }
  if (kept === 0 || kept === all.length) return { order: all, proba };
  const order = all.filter((c) => allowed[c] === 1);
  const total = order.reduce((sum, c) => sum + proba[c], 0);
  const restricted = new Float64Array(all.length);
  for (const c of order) restricted[c] = total > 0 ? proba[c] / total : 1 / kept;
  return { order, proba: restricted };
}

export function rankPrediction(sample: Pick<Sample, 'id' | 'task'> & { candidates?: readonly string[] }, taxonomy: Taxonomy, scores: ArrayLike<number>, options: { threshold?: number; topK?: number } = {}): Prediction {
  const { order: labels, proba } = restrictToCandidates(sample.candidates, taxonomy, scores);
  const order = labels.sort((a, b) => proba[b] - proba[a] || a - b);
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
