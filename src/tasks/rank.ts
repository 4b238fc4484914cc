// From a probability row to the Prediction every recogniser returns: ranked labels with their coarse
// group, the `粗类-细类` form, and the uncertain flag a service routes to a human.
import { foldPunctuation } from '../data/fold.js';
import { EcommirError } from '../errors.js';
import type { Taxonomy } from '../labels/taxonomy.js';
import type { Evidence, Prediction, Sample } from '../types.js';

/** Each taxonomy's labels by their punctuation-folded form; a form two labels share is left out (exact only). */
const FOLDED_POSITIONS = new WeakMap<Taxonomy, Map<string, number>>();

function foldedPositions(taxonomy: Taxonomy): Map<string, number> {
  let positions = FOLDED_POSITIONS.get(taxonomy);
  if (!positions) {
    positions = new Map();
    const shared = new Set<string>();
    taxonomy.labels.forEach((label, c) => {
      const folded = foldPunctuation(label);
      if (positions!.has(folded)) shared.add(folded);
      positions!.set(folded, c);
    });
    for (const folded of shared) positions.delete(folded);
    FOLDED_POSITIONS.set(taxonomy, positions);
  }
  return positions;
}

/**
 * The positions of a sample's `candidates` among the model's labels, each once, in label order; a
 * candidate matches a label as written or with its punctuation folded (an instruction may write （）
 * for ()). One that matches no label of the model is refused, naming it: passed over, it let the
 * answer fall outside the list the caller gave. Recognisers check this before any work
 * (checkSamples), so that a bad sample costs no OCR or model call.
 */
export function candidatePositions(sample: CandidateSample, taxonomy: Taxonomy): Uint8Array | undefined {
  const { candidates } = sample;
  if (!candidates || candidates.length === 0) return undefined;
  // Marks in label order, not a Set: this runs for every prediction, and every challenge record names all labels.
  const allowed = new Uint8Array(taxonomy.labels.length);
  let unknown: string[] | undefined;
  for (const candidate of candidates) {
    let c = taxonomy.indexOf(candidate);
    if (c < 0) c = foldedPositions(taxonomy).get(foldPunctuation(candidate).trim()) ?? -1;
    if (c < 0) (unknown ??= []).push(candidate);
    else allowed[c] = 1;
  }
  if (unknown) {
    const named = unknown.slice(0, 3).map((label) => JSON.stringify(label)).join(', ') + (unknown.length > 3 ? ` and ${unknown.length - 3} more` : '');
    throw new EcommirError(
      'ECM_ERR_UNKNOWN_LABEL',
      `${unknown.length === 1 ? `candidate label ${named} is not a label` : `${unknown.length} candidate labels ${named} are not labels`} of this ${sample.task} model (${taxonomy.source}); candidates restrict the answer to some of the model's own labels`,
      { item: { id: sample.id, index: sample.index } },
    );
  }
  return allowed;
}

/**
 * A sample's `candidates` ("the labels to choose from") restrict the answer: the other labels are
 * left out and the candidates' probabilities renormalised. Candidates naming every label (the
 * challenge's instructions do) change nothing.
 */
function restrictToCandidates(sample: CandidateSample, taxonomy: Taxonomy, proba: ArrayLike<number>): { order: number[]; proba: ArrayLike<number> } {
  const all = Array.from(taxonomy.labels.keys());
  const allowed = candidatePositions(sample, taxonomy);
  if (!allowed) return { order: all, proba };
  let kept = 0;
  for (const mark of allowed) kept += mark;
  if (kept === all.length) return { order: all, proba };
  const order = all.filter((c) => allowed[c] === 1);
  const total = order.reduce((sum, c) => sum + proba[c], 0);
  const restricted = new Float64Array(all.length);
  for (const c of order) restricted[c] = total > 0 ? proba[c] / total : 1 / kept;
  return { order, proba: restricted };
}

export type CandidateSample = Pick<Sample, 'id' | 'task'> & { index?: number; candidates?: readonly string[] };

export function rankPrediction(sample: CandidateSample, taxonomy: Taxonomy, scores: ArrayLike<number>, options: { threshold?: number; topK?: number } = {}): Prediction {
  // A model file with an out-of-range value (a prior power of 1e308) or a backend's log-probabilities
  // (1e400) give NaN: its first label came out "at NaN %", or every answer 500 in the service.
  for (let c = 0; c < scores.length; c++) {
    if (!Number.isFinite(scores[c])) {
      throw new EcommirError(
        'ECM_ERR_NO_MODEL',
        `the ${taxonomy.task} model gave ${scores[c]} as the probability of ${taxonomy.labels[c] ?? `label ${c}`}: a value in its model file, or in its backend's answer, is out of range`,
        { statusCode: 503 },
      );
    }
  }
  const { order: labels, proba } = restrictToCandidates(sample, taxonomy, scores);
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
