// Makes a clean question read like a shopper typed it: spoken shortenings and slang, English words
// mixed in, openers and particles, punctuation habits, emoji, same-sound and look-alike typos,
// traditional characters. Every change is drawn from knowledge/intent/variation.json (and the
// generated homophone and traditional tables) with its rate there, scaled by `strength`.
import type { Rng } from '../learn/random.js';
import type { IntentKnowledge } from './intent-knowledge.js';
import { expandTemplate } from './template.js';

const QUESTION_END = /[吗么呢不没嘛？?]$/u;
const PARTICLE = /^[呢呀啊哈嘛哦吖嘞咧捏啦]/u;
// A loop, not /[…]+$/: that regex retries from every start of a long punctuation run that does not
// end the text, which is quadratic in the run's length.
const TRAILING_PUNCTUATION = new Set('？?。！!~～，,…');
export function withoutTrailingPunctuation(text: string): string {
  let end = text.length;
  while (end > 0 && TRAILING_PUNCTUATION.has(text[end - 1])) end--;
  return text.slice(0, end);
}
const HAN = /\p{Script=Han}/u;

function pick<T>(rng: Rng, list: readonly T[]): T {
  return list[rng.int(list.length)];
}

/** Replaces the first occurrence of `from` with `to`. */
function replaceOnce(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  return at < 0 ? text : text.slice(0, at) + to + text.slice(at + from.length);
}

/** Swaps one character for one of its candidates (same sound or look-alike). */
function typo(text: string, rng: Rng, table: Record<string, readonly string[]>): string {
  const chars = [...text];
  const positions = chars.flatMap((c, i) => (HAN.test(c) && table[c]?.length ? [i] : []));
  if (positions.length === 0) return text;
  const i = pick(rng, positions);
  chars[i] = pick(rng, table[chars[i]]);
  return chars.join('');
}

/** Multi-character look-alike keys (e.g. a word) are replaced whole; single characters via typo(). */
function lookalike(text: string, rng: Rng, table: Record<string, readonly string[]>): string {
  const present = Object.keys(table).filter((k) => text.includes(k));
  if (present.length === 0) return text;
  const key = pick(rng, present);
  return replaceOnce(text, key, pick(rng, table[key]));
}

export function colloquialise(text: string, rng: Rng, knowledge: IntentKnowledge, strength = 1): string {
  const v = knowledge.variation;
  const chance = (name: string): boolean => rng.next() < Math.min(1, (v.rates[name] ?? 0) * strength);
  let out = text;

  // Words first, so that typos can land on the new words too.
  for (const [word, alternatives] of Object.entries(v.slang)) {
    if (out.includes(word) && chance('slang')) out = replaceOnce(out, word, pick(rng, alternatives));
  }
  for (const [word, alternatives] of Object.entries(v.english)) {
    if (out.includes(word) && chance('english')) out = replaceOnce(out, word, pick(rng, alternatives));
  }

  if (chance('leadIn')) out = expandTemplate(pick(rng, v.leadIns), rng, () => ({ literal: '' })) + out;
  if (chance('opener')) {
    const opener = pick(rng, v.openers);
    if (!out.startsWith(opener)) out = opener + out;
  }
  if (chance('closer')) {
    const endsAsQuestion = QUESTION_END.test(withoutTrailingPunctuation(out));
    const closers = endsAsQuestion ? v.closers.filter((c) => !PARTICLE.test(c)) : v.closers;
    const closer = pick(rng, closers);
    if (/^[？?。!~～]/u.test(closer)) out = withoutTrailingPunctuation(out);
    out += closer;
  }
  if (chance('punctuation')) {
    if (rng.next() < v.punctuation.strip) out = out.replace(/[，,。？?！!、~～]/gu, (m) => (m === '，' || m === ',' ? ' ' : '')).trim();
    else out = withoutTrailingPunctuation(out) + pick(rng, v.punctuation.question);
  }
  if (chance('space')) out = out.replace(/[，,]/gu, () => pick(rng, v.punctuation.comma));
  if (chance('emoji')) out += pick(rng, rng.next() < 0.75 ? v.emoji : v.kaomoji);
  if (chance('homophone')) out = typo(out, rng, knowledge.homophones);
  if (chance('lookalike')) out = lookalike(out, rng, v.lookalike);
  if (chance('traditional')) out = [...out].map((c) => knowledge.traditional[c] ?? c).join('');
  return out.trim();
}
