// A tiny deterministic recogniser for the protocol tests: it learns which label each keyword (the
// first word of the user turn) had in training and falls back to the training majority. It records
// every training set it was fitted on, so the tests can check what each fold saw.
import { Taxonomy } from '../../src/labels/taxonomy.js';
import type { FoldModel } from '../../src/eval/cross-validate.js';
import type { Prediction, Sample } from '../../src/types.js';

export const TAXONOMY = Taxonomy.default('intent');
/** Five real intent labels. */
export const LABELS = TAXONOMY.labels.slice(0, 5);

export function sample(id: string, label: string, keyword: string): Sample {
  return { id, index: 0, task: 'intent', candidates: [], images: [], label, turns: [{ role: 'user', text: `${keyword} 其他`, images: [] }] };
}

/**
 * `n` samples a label over LABELS; keyword `k<label index>` for all but every `noiseEvery`-th sample
 * of a label, which gets a keyword of its own (unlearnable).
 */
export function toySamples(n: number, noiseEvery = 4): Sample[] {
  const out: Sample[] = [];
  for (let j = 0; j < n; j++) {
    LABELS.forEach((label, c) => out.push(sample(`s${c}-${j}`, label, j % noiseEvery === noiseEvery - 1 ? `x${c}-${j}` : `k${c}`)));
  }
  return out;
}

export const fits: { ids: string[]; config?: unknown }[] = [];

export function predictionOf(s: Sample, label: string): Prediction {
  const coarse = TAXONOMY.coarseOf(label);
  return { id: s.id, task: s.task, label, coarse, hierarchical: `${coarse}-${label}`, confidence: 1, uncertain: false, ranked: [{ label, coarse, confidence: 1 }] };
}

/** `useKeywords: false` makes a majority-class model (a deliberately worse candidate). */
export async function fitToy(train: readonly Sample[], config: { useKeywords: boolean } = { useKeywords: true }): Promise<FoldModel> {
  fits.push({ ids: train.map((s) => s.id), config });
  const byKeyword = new Map<string, string>();
  const counts = new Map<string, number>();
  for (const s of train) {
    byKeyword.set(s.turns[0].text.split(' ')[0], s.label!);
    counts.set(s.label!, (counts.get(s.label!) ?? 0) + 1);
  }
  const majority = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
  return {
    async predictMany(samples) {
      return samples.map((s) => predictionOf(s, (config.useKeywords && byKeyword.get(s.turns[0].text.split(' ')[0])) || majority));
    },
  };
}
