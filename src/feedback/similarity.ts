// Similarity of two stored samples, for the review queue's diversity term: near-duplicates (a
// burst of the same complaint, the same screenshot re-uploaded or re-encoded) score close to 1.
// Dialogues: Jaccard index of their character-bigram sets (plus their images' content hashes),
// with digits, punctuation and spaces left out — a burst differs in order numbers and '！！'.
// Images: a difference hash (dHash, 64 bits: is each pixel of a 9×8 grey thumbnail brighter than
// its right neighbour) compared by Hamming distance, which survives re-encoding and resizing.
import sharp from 'sharp';

/** What two samples are compared by: a token set (dialogues) or 64-bit image hashes (scenes). */
export interface SimilaritySignature {
  /** Exact content hash: equal hashes are the same sample. */
  content: string;
  /** Character bigrams of the dialogue text, and `img:<hash>` of its images. */
  tokens?: ReadonlySet<string>;
  /** dHash of each image as 16 hex characters. */
  imageHashes?: readonly string[];
}

export function textTokens(text: string, imageHashes: readonly string[] = []): Set<string> {
  const chars = Array.from(text.toLowerCase().replace(/[\p{P}\p{S}\p{N}\s]+/gu, ''));
  const out = new Set<string>();
  if (chars.length === 1) out.add(chars[0]);
  for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i] + chars[i + 1]);
  for (const h of imageHashes) out.add(`img:${h}`);
  return out;
}

export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let common = 0;
  for (const x of small) if (large.has(x)) common++;
  return common / (a.size + b.size - common);
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

/** dHash of an image (any format sharp reads), 16 hex characters. Runs in libuv's pool, not on the event loop. */
export async function imageDHash(bytes: Uint8Array, maxPixels = 40_000_000): Promise<string> {
  const grey = await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'none' })
    .rotate()
    .greyscale()
    .resize(9, 8, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer();
  let hex = '';
  for (let row = 0; row < 8; row++) {
    let byte = 0;
    for (let col = 0; col < 8; col++) byte = (byte << 1) | (grey[row * 9 + col] > grey[row * 9 + col + 1] ? 1 : 0);
    hex += byte.toString(16).padStart(2, '0');
  }
  return hex;
}
