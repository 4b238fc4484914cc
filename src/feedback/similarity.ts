// Similarity of two stored samples, for the review queue's diversity term: near-duplicates (a
// burst of the same complaint, the same screenshot re-uploaded or re-encoded) score close to 1.
// Dialogues: Jaccard index of their character-bigram sets (plus their images' content hashes),
// with digits, punctuation and spaces left out — a burst differs in order numbers and '！！'.
// Images: a difference hash (vision/difference-hash.ts) compared by Hamming distance, which
// survives re-encoding and resizing.
//
// A dialogue's token set is kept as a bottom-k sketch (Broder 1997; Cohen & Kaplan 2007): each
// token hashed to 32 bits (FNV-1a over its UTF-16 code units), and only the k smallest distinct
// hashes kept, ascending. Two sketches compare by one merge, O(k), however long the dialogues: a
// dialogue may have 100,000 characters, and the review queue compares hundreds of them pairwise on
// the event loop. Below k distinct tokens a sketch is the whole (hashed) set and the Jaccard index
// is exact, barring a 32-bit hash collision; above, it is the standard estimate, whose standard
// error is √(J(1 − J)/k) — at k = 512 at most 0.022, small beside the thresholds it feeds (0.3 for
// "shares more than common words", 0.8 for "near-duplicate"). 512 also covers nearly every real
// dialogue exactly — 238 of the 239 dev intent dialogues have fewer distinct tokens (median 124,
// the most 516) — and a sketch costs 2 KB, a comparison a few microseconds.
// Until this sketch, `tokens` was a Set<string> of the bigrams themselves; `textTokens` and
// `jaccard` keep their names and now make and compare sketches.

/** The k of the bottom-k sketch (see the file comment). */
export const SKETCH_SIZE = 512;

/** Bottom-k sketch of a token set: its `SKETCH_SIZE` smallest distinct 32-bit token hashes, ascending. */
export type TokenSketch = Uint32Array;

/** What two samples are compared by: a token sketch (dialogues) or 64-bit image hashes (scenes). */
export interface SimilaritySignature {
  /** Exact content hash: equal hashes are the same sample. */
  content: string;
  /** Character bigrams of the dialogue text, and `img:<hash>` of its images, as a bottom-k sketch. */
  tokens?: TokenSketch;
  /** dHash of each image as 16 hex characters. */
  imageHashes?: readonly string[];
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a of a string's UTF-16 code units, continuing from `hash` (so fnv1a(b, fnv1a(a)) = fnv1a(a + b)). */
function fnv1a(s: string, hash = FNV_OFFSET): number {
  for (let i = 0; i < s.length; i++) hash = Math.imul(hash ^ s.charCodeAt(i), FNV_PRIME);
  return hash >>> 0;
}

/** The sketch of a dialogue's tokens: its character bigrams (one character alone if that is all) and `img:<hash>` of its images. */
export function textTokens(text: string, imageHashes: readonly string[] = []): TokenSketch {
  const chars = text.toLowerCase().replace(/[\p{P}\p{S}\p{N}\s]+/gu, '');
  const hashes = new Uint32Array(chars.length + imageHashes.length);
  let n = 0;
  let previous: string | undefined;
  for (const char of chars) {
    if (previous !== undefined) hashes[n++] = fnv1a(char, fnv1a(previous));
    previous = char;
  }
  if (n === 0 && previous !== undefined) hashes[n++] = fnv1a(previous);
  for (const h of imageHashes) hashes[n++] = fnv1a(`img:${h}`);
  return bottomK(hashes.subarray(0, n));
}

/** The `SKETCH_SIZE` smallest distinct values, ascending. Sorts `hashes` in place. */
function bottomK(hashes: Uint32Array): TokenSketch {
  hashes.sort();
  const out = new Uint32Array(Math.min(SKETCH_SIZE, hashes.length));
  let n = 0;
  for (let i = 0; i < hashes.length && n < out.length; i++) if (i === 0 || hashes[i] !== hashes[i - 1]) out[n++] = hashes[i];
  return out.slice(0, n);
}

/**
 * Jaccard index of the token sets behind two sketches: exact if both have fewer than `SKETCH_SIZE`
 * tokens, else the bottom-k estimate — of the k smallest hashes of the union, the share in both.
 */
export function jaccard(a: TokenSketch, b: TokenSketch): number {
  if (a.length === 0 && b.length === 0) return 1;
  // A full sketch only knows its set below its largest hash: look no further than k union values.
  const limit = a.length >= SKETCH_SIZE || b.length >= SKETCH_SIZE ? SKETCH_SIZE : Infinity;
  let i = 0;
  let j = 0;
  let union = 0;
  let common = 0;
  while (union < limit && i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      common++;
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
    union++;
  }
  union = Math.min(limit, union + (a.length - i) + (b.length - j));
  return common / union;
}

/** 1 − Hamming distance / 64 of two dHashes (16 hex characters each). */
export function dHashSimilarity(a: string, b: string): number {
  let distance = 0;
  for (let i = 0; i < 16; i += 4) {
    let x = parseInt(a.slice(i, i + 4), 16) ^ parseInt(b.slice(i, i + 4), 16);
    while (x) {
      distance += x & 1;
      x >>= 1;
    }
  }
  return 1 - distance / 64;
}

export function similarity(a: SimilaritySignature, b: SimilaritySignature): number {
  if (a.content === b.content) return 1;
  if (a.tokens && b.tokens) return jaccard(a.tokens, b.tokens);
  let best = 0;
  for (const x of a.imageHashes ?? []) for (const y of b.imageHashes ?? []) best = Math.max(best, dHashSimilarity(x, y));
  return best;
}
