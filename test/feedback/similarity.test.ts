// The bottom-k sketch against the exact Jaccard index of the bigram sets it replaced: equal below
// k distinct tokens, close above (the estimate's standard error at k = 512 is at most 0.022).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SKETCH_SIZE, jaccard, textTokens } from '../../src/feedback/similarity.js';

/** The exact token set, as `textTokens` made it before the sketch. */
function bigramSet(text: string, imageHashes: readonly string[] = []): Set<string> {
  const chars = Array.from(text.toLowerCase().replace(/[\p{P}\p{S}\p{N}\s]+/gu, ''));
  const out = new Set<string>();
  if (chars.length === 1) out.add(chars[0]);
  for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i] + chars[i + 1]);
  for (const h of imageHashes) out.add(`img:${h}`);
  return out;
}

function exactJaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let common = 0;
  for (const x of a) if (b.has(x)) common++;
  return common / (a.size + b.size - common);
}

let seed = 20250117;
const random = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
/** `length` characters of the first `alphabet` Han characters, with some punctuation and digits, which are left out. */
const text = (length: number, alphabet: number): string =>
  Array.from({ length }, () => (random() < 0.05 ? '，1！'[Math.floor(random() * 3)] : String.fromCharCode(0x4e00 + Math.floor(random() * alphabet)))).join('');
/** `base` with a share of its characters replaced: pairs from unrelated to near-duplicate. */
const edited = (base: string, share: number, alphabet: number): string =>
  Array.from(base, (c) => (random() < share ? String.fromCharCode(0x4e00 + Math.floor(random() * alphabet)) : c)).join('');

test('below k distinct tokens the sketch is the whole set: the same Jaccard index as the exact sets', () => {
  let compared = 0;
  for (let n = 0; n < 60; n++) {
    const alphabet = 20 + Math.floor(random() * 40);
    const a = text(1 + Math.floor(random() * 420), alphabet);
    const b = random() < 0.5 ? text(1 + Math.floor(random() * 420), alphabet) : edited(a, random(), alphabet);
    const images = random() < 0.3 ? ['0123456789abcdef'] : [];
    const [sa, sb] = [bigramSet(a, images), bigramSet(b)];
    assert.ok(sa.size < SKETCH_SIZE && sb.size < SKETCH_SIZE);
    assert.equal(textTokens(a, images).length, sa.size, 'one hash per distinct token (no collision)');
    assert.equal(jaccard(textTokens(a, images), textTokens(b)), exactJaccard(sa, sb), `${a} | ${b}`);
    compared++;
  }
  assert.equal(compared, 60);
  assert.equal(jaccard(textTokens(''), textTokens('！！')), 1, 'two empty sets are alike');
  assert.equal(jaccard(textTokens(''), textTokens('你好')), 0);
  assert.equal(jaccard(textTokens('好'), textTokens('好')), 1, 'one character alone is its token');
});

test('above k distinct tokens the bottom-k estimate stays close to the exact index', () => {
  let worst = 0;
  for (let n = 0; n < 40; n++) {
    const alphabet = 80 + Math.floor(random() * 40);
    const a = text(1500 + Math.floor(random() * 3500), alphabet);
    const b = random() < 0.3 ? text(1500 + Math.floor(random() * 3500), alphabet) : edited(a, random() * 0.6, alphabet);
    const [sa, sb] = [bigramSet(a), bigramSet(b)];
    assert.ok(sa.size > SKETCH_SIZE && sb.size > SKETCH_SIZE);
    assert.equal(textTokens(a).length, SKETCH_SIZE);
    worst = Math.max(worst, Math.abs(jaccard(textTokens(a), textTokens(b)) - exactJaccard(sa, sb)));
  }
  assert.ok(worst < 0.1, `worst error ${worst}`);
  // One small set against a large one: the estimate looks only where the large sketch knows its set.
  const small = text(100, 100);
  const large = small + text(4000, 100);
  const error = Math.abs(jaccard(textTokens(small), textTokens(large)) - exactJaccard(bigramSet(small), bigramSet(large)));
  assert.ok(error < 0.1, `small against large: error ${error}`);
});
