// Zero-shot label embeddings: each fine label is written into every prompt template, the prompts'
// unit text embeddings are averaged and the mean re-normalised (CLIP's prompt ensembling).
// Placeholders: {label} the fine label, {coarse} its coarse group, {description} the taxonomy's
// description (the label itself when the taxonomy has none).
import { EcommirError } from '../../errors.js';
import type { Taxonomy } from '../../labels/taxonomy.js';
import { l2Normalised } from './embeddings.js';

export const DEFAULT_PROMPT_TEMPLATES: readonly string[] = Object.freeze(['{label}', '一张{label}的截图', '{coarse}：{description}']);

const PLACEHOLDER = /\{(label|coarse|description)\}/g;

export function checkTemplates(templates: readonly string[]): readonly string[] {
  if (!Array.isArray(templates) || templates.length === 0) throw new EcommirError('ECM_ERR_BAD_OPTION', 'prompt templates must be a non-empty list');
  templates.forEach((t, i) => {
    if (typeof t !== 'string' || !/\{(label|description)\}/.test(t)) {
      throw new EcommirError('ECM_ERR_BAD_OPTION', `prompt template ${JSON.stringify(t)} names neither {label} nor {description}`, { item: { index: i } });
    }
  });
  return templates;
}

/** The prompts of one label, one per template. */
export function labelPrompts(taxonomy: Taxonomy, label: string, templates: readonly string[]): string[] {
  const description = taxonomy.describe(label).trim() || label;
  const values: Record<string, string> = { label, coarse: taxonomy.coarseOf(label), description };
  return templates.map((t) => t.replace(PLACEHOLDER, (_, name: string) => values[name]));
}

/** Zero-shot label embeddings [k, D], row-major, each row unit length. */
export async function zeroShotLabelEmbeddings(taxonomy: Taxonomy, templates: readonly string[], embedText: (text: string) => Promise<Float32Array>): Promise<{ weights: Float32Array; dim: number }> {
  const rows: Float32Array[] = [];
  for (const label of taxonomy.labels) {
    let mean: Float64Array | undefined;
    for (const prompt of labelPrompts(taxonomy, label, templates)) {
      const e = l2Normalised(await embedText(prompt));
      mean ??= new Float64Array(e.length);
      for (let j = 0; j < e.length; j++) mean[j] += e[j];
    }
    rows.push(l2Normalised(mean!));
  }
  const dim = rows[0].length;
  const weights = new Float32Array(rows.length * dim); // [k, D]
  rows.forEach((r, c) => weights.set(r, c * dim));
  return { weights, dim };
}
