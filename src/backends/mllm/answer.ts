// From a model's free-text answer back to a fine label. A constrained engine answers with a choice
// verbatim; an unconstrained one may add quotes, a lead-in ("分类标签：..."), JSON, the coarse group,
// other dashes or a slip of one character. In order: exact (fine or `粗类-细类`), normalised, the one
// label the answer contains, then a close edit distance with a unique winner. Nothing else is guessed,
// and a label the answer denies ("不是商品材质", "not …") is not taken from it.
import { editDistance } from '../../data/edit-distance.js';
import type { Taxonomy } from '../../labels/taxonomy.js';

export type MatchKind = 'exact' | 'normalised' | 'contained' | 'fuzzy';

export interface LabelMatch {
  label: string;
  kind: MatchKind;
}

const LEAD_IN = /^(?:答案|回答|结果|分类结果|分类标签|标签|意图|意图标签|用户意图|图片分类|分类)\s*(?:是|为)?\s*[:：]?\s*/u;
const WRAPPERS = /^[\s"'“”‘’「」『』《》【】\[\]()（）`*]+|[\s"'“”‘’「」『』《》【】\[\]()（）`*。．.!！?？,，;；]+$/gu;
const PUNCTUATION = /[\s\p{P}\p{S}]/gu;
const DASHES = /[-－—–‐‑−]/gu;
/** Words before a label that deny it, as they read after normalise(). */
// '非' covers 并非 and 而非.
const NEGATIONS = ['不是', '不属于', '不为', '非', 'not', 'isnt'];

/** Whether `label` occurs in `text` other than right after a negation. */
function namesUndenied(text: string, label: string): boolean {
  for (let at = text.indexOf(label); at >= 0; at = text.indexOf(label, at + 1)) {
    if (!NEGATIONS.some((n) => text.slice(0, at).endsWith(n))) return true;
  }
  return false;
}

/** Reads `{"label": "..."}` (the json_schema constraint's answer) or returns the text as it is. */
export function unwrapJsonAnswer(text: string): string {
  const trimmed = text.trim().replace(/^```(?:json)?\s*|\s*```$/g, '');
  if (!trimmed.startsWith('{')) return text;
  try {
    const value = JSON.parse(trimmed) as unknown;
    if (value && typeof value === 'object' && typeof (value as { label?: unknown }).label === 'string') return (value as { label: string }).label;
  } catch {
    // Not JSON after all: match the text itself.
  }
  return text;
}

function normalise(text: string): string {
  return text.normalize('NFKC').replace(DASHES, '-').replace(PUNCTUATION, (c) => (c === '-' ? '-' : '')).toLowerCase();
}

export function matchLabel(answer: string, taxonomy: Taxonomy): LabelMatch | undefined {
  const text = unwrapJsonAnswer(answer).trim();
  const exact = taxonomy.tryParseHierarchical(text);
  if (exact) return { label: exact.fine, kind: 'exact' };

  // First line only: a chatty model explains itself after the answer.
  const firstLine = text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  const stripped = firstLine.replace(WRAPPERS, '').replace(LEAD_IN, '').replace(WRAPPERS, '');
  const direct = taxonomy.tryParseHierarchical(stripped);
  if (direct) return { label: direct.fine, kind: 'normalised' };

  const forms = taxonomy.labels.map((label) => ({ label, fine: normalise(label), pair: normalise(taxonomy.hierarchical(label)) }));
  const key = normalise(stripped);
  if (key !== '') {
    const same = forms.find((f) => f.fine === key || f.pair === key);
    if (same) return { label: same.label, kind: 'normalised' };
  }

  // The answer names labels inside a sentence: take the longest one, if no other label of equal
  // length is named too (then the answer is ambiguous).
  const whole = normalise(text);
  const named = forms.filter((f) => f.fine !== '' && namesUndenied(whole, f.fine)).sort((a, b) => b.fine.length - a.fine.length);
  if (named.length > 0 && (named.length === 1 || named[0].fine.length > named[1].fine.length)) {
    // A shorter label inside the longer one is the same answer (e.g. 物流页面 inside 物流页面-物流列表页面).
    if (named.every((f) => named[0].fine.includes(f.fine))) return { label: named[0].label, kind: 'contained' };
  }

  if (key === '' || NEGATIONS.some((n) => key.startsWith(n))) return undefined;
  let best: { label: string; distance: number } | undefined;
  let tie = false;
  for (const f of forms) {
    const distance = Math.min(editDistance(key, f.fine), editDistance(key, f.pair));
    if (!best || distance < best.distance) {
      best = { label: f.label, distance };
      tie = false;
    } else if (distance === best.distance && f.label !== best.label) tie = true;
  }
  // At most a quarter of the label's characters (and at least one) may differ.
  if (best && !tie && best.distance <= Math.max(1, Math.floor(normalise(best.label).length / 4))) return { label: best.label, kind: 'fuzzy' };
  return undefined;
}

