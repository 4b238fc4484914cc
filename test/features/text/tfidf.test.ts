import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TfidfVectorizer } from '../../../src/features/text/tfidf.js';
import { csrToDense } from '../../../src/learn/csr.js';
import { EcommirError } from '../../../src/errors.js';

const DOCS = [['a', 'b'], ['a', 'a', 'c']];

test('TF-IDF matches scikit-learn defaults (smooth idf, L2 rows, sorted vocabulary)', () => {
  const v = new TfidfVectorizer();
  const X = v.fitTransform(DOCS);
  assert.deepEqual(v.terms, ['a', 'b', 'c']);
  // Reference: ln((1+n)/(1+df)) + 1, then row L2 norm.
  const expected = [0.5797386715376657, 0.8148024746671689, 0, 0.8181802073667197, 0, 0.5749618667993135];
  Array.from(csrToDense(X)).forEach((x, i) => assert.ok(Math.abs(x - expected[i]) < 1e-6, `${i}: ${x}`));
});

test('minDf, maxDf, maxFeatures and sublinear tf', () => {
  const docs = [['x', 'y'], ['x', 'z'], ['x', 'y', 'y', 'y']];
  assert.deepEqual(new TfidfVectorizer({ minDf: 2 }).fit(docs).terms, ['x', 'y']);
  assert.deepEqual(new TfidfVectorizer({ maxDf: 0.9 }).fit(docs).terms, ['y', 'z']);
  assert.deepEqual(new TfidfVectorizer({ maxFeatures: 1 }).fit(docs).terms, ['y']);
  const v = new TfidfVectorizer({ sublinearTf: true, useIdf: false, norm: 'none' }).fit(docs);
  const row = Array.from(csrToDense(v.transform([['y', 'y', 'y', 'unseen']])));
  assert.ok(Math.abs(row[1] - (1 + Math.log(3))) < 1e-6);
  assert.equal(row[0], 0);
});

test('round trip through JSON and errors', () => {
  const v = new TfidfVectorizer({ sublinearTf: true }).fit(DOCS);
  const restored = TfidfVectorizer.fromJSON(JSON.parse(JSON.stringify(v.toJSON())));
  assert.deepEqual(restored.transform(DOCS), v.transform(DOCS));
  assert.throws(() => new TfidfVectorizer().transform(DOCS), (e: unknown) => e instanceof EcommirError && e.code === 'ECM_ERR_NOT_FITTED');
  assert.throws(() => new TfidfVectorizer().fit([['a'], 'b' as never]), /record #1/);
  assert.throws(() => new TfidfVectorizer({ norm: 'l1' as never }), /norm/);
});
