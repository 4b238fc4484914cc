// A hand-curated cue lexicon per label, kept as data (lexicons/<task>.json): a match of any cue in a
// text adds a `<view>:<label>` token. Domain knowledge in its crudest useful form (FINDINGS: +0.04).
import { fileURLToPath } from 'node:url';
import { EcommirError } from '../../errors.js';
import type { Task } from '../../types.js';
import { readJsonFile } from '../../data/json-text.js';

/** lexicons/<task>.json at the package root, from src/features/text/ and dist/features/text/ alike. */
export function defaultLexiconPath(task: Task): string {
  return fileURLToPath(new URL(`../../../lexicons/${task}.json`, import.meta.url));
}

export interface CueLexicon {
  /** label → lower-cased cue substrings */
  readonly cues: ReadonlyMap<string, readonly string[]>;
  readonly source: string;
}

export function loadCueLexicon(path: string): CueLexicon {
  return parseCueLexicon(readJsonFile(path, 'lexicon'), path);
}

/** Validates a parsed lexicon object; `source` names it in errors. */
export function parseCueLexicon(json: unknown, source = '<lexicon>'): CueLexicon {
  const labels = (json as { labels?: unknown })?.labels;
  if (!labels || typeof labels !== 'object' || Array.isArray(labels)) throw new EcommirError('ECM_ERR_BAD_JSON', `lexicon ${source} needs a "labels" object`, { item: { file: source } });
  const cues = new Map<string, string[]>();
  for (const [label, list] of Object.entries(labels as Record<string, unknown>)) {
    if (!Array.isArray(list) || list.some((c) => typeof c !== 'string' || c === '')) {
      throw new EcommirError('ECM_ERR_BAD_JSON', `lexicon ${source}: label "${label}" needs a list of non-empty strings`, { item: { file: source } });
    }
    cues.set(label, list.map((c: string) => c.toLowerCase()));
  }
  return { cues, source };
}

/** The JSON form of a lexicon (what a saved model embeds). */
export function cueLexiconToJSON(lexicon: CueLexicon): { labels: Record<string, string[]> } {
  return { labels: Object.fromEntries([...lexicon.cues].map(([label, cues]) => [label, [...cues]])) };
}

/** The labels whose cues occur in the text, with the cue that matched (first one). */
export function matchCues(text: string, lexicon: CueLexicon): { label: string; cue: string }[] {
  const lower = text.toLowerCase();
  const out: { label: string; cue: string }[] = [];
  for (const [label, cues] of lexicon.cues) {
    const cue = cues.find((c) => lower.includes(c));
    if (cue !== undefined) out.push({ label, cue });
  }
  return out;
}
