// The trailing-punctuation trim used by the colloquial rewriter, against the regex it replaced
// (/[？?。！!~～，,…]+$/u): same output on random mixes of punctuation and text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withoutTrailingPunctuation } from '../../src/knowledge/colloquial.js';
import { createRng } from '../../src/learn/random.js';

test('trims trailing punctuation exactly as the reference regex does', () => {
  const reference = (s: string): string => s.replace(/[？?。！!~～，,…]+$/u, '');
  const alphabet = [...'？?。！!~～，,…好吗a 😀'];
  const rng = createRng(7);
  for (let i = 0; i < 2000; i++) {
    let s = '';
    const n = rng.int(12);
    for (let j = 0; j < n; j++) s += alphabet[rng.int(alphabet.length)];
    assert.equal(withoutTrailingPunctuation(s), reference(s), JSON.stringify(s));
  }
  assert.equal(withoutTrailingPunctuation('能用吗？？！…'), '能用吗');
  assert.equal(withoutTrailingPunctuation('？？'), '');
});

test('a long punctuation run that does not end the text is left whole', () => {
  const text = `${'！'.repeat(50_000)}好`;
  assert.equal(withoutTrailingPunctuation(text), text);
});
