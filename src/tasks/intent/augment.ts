// Colloquial copies of real training dialogues: each user turn rewritten the way other shoppers type
// (spoken shortenings, English words, particles, emoji, same-sound and look-alike typos, traditional
// characters — the variation tables of knowledge/intent, applied by src/knowledge/colloquial.ts). The
// agent's replies stay as they are. A copy belongs to its source dialogue: the recogniser keeps it in
// the source's group, so no copy is ever scored against a model that trained on its source, and the
// copies are made inside `fit` from the training rows only.
import { colloquialise } from '../../knowledge/colloquial.js';
import { loadIntentKnowledge, type IntentKnowledge } from '../../knowledge/intent-knowledge.js';
import { createRng } from '../../learn/random.js';
import type { Sample } from '../../types.js';

export interface ColloquialAugmentOptions {
  /** Rewritten copies per training dialogue. */
  copies: number;
  /** Scales every variation rate of knowledge/intent/variation.json. Default 1. */
  strength?: number;
  /** Sample weight of a copy (its source weighs 1). Default 0.5. */
  weight?: number;
  /** Default 0. */
  seed?: number;
}

let knowledge: IntentKnowledge | undefined;

/** FNV-1a of the dialogue's text: the copy depends on the content and the seed, not on its position. */
function contentSeed(sample: Sample, seed: number, copy: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (const ch of `${copy}\u0000${sample.turns.map((t) => t.text).join('\u0001')}`) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** `options.copies` rewritten copies of `sample` (ids `<id>#colloquial<k>`); none when it has no user text. */
export function colloquialCopies(sample: Sample, options: ColloquialAugmentOptions): Sample[] {
  knowledge ??= loadIntentKnowledge();
  const out: Sample[] = [];
  if (!sample.turns.some((t) => t.role === 'user' && t.text.trim() !== '')) return out;
  for (let k = 1; k <= options.copies; k++) {
    const rng = createRng(contentSeed(sample, options.seed ?? 0, k));
    out.push({
      ...sample,
      id: `${sample.id}#colloquial${k}`,
      raw: undefined,
      turns: sample.turns.map((t) => (t.role === 'user' ? { ...t, text: rewriteKeepingMarkers(t.text, (s) => colloquialise(s, rng, knowledge!, options.strength ?? 1)) } : t)),
    });
  }
  return out;
}

/** Rewrites the text between `<image>`/`<http>` markers, leaving the markers where they are. */
function rewriteKeepingMarkers(text: string, rewrite: (s: string) => string): string {
  return text
    .split(/(<[a-z]+>)/)
    .map((part) => (/^<[a-z]+>$/.test(part) || part.trim() === '' ? part : rewrite(part)))
    .join('');
}
