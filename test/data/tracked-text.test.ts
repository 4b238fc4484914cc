// TrackedText must give the plain string operation's text and, for each character, the span of the
// turn it came from; the builder behind it is sized up front, so results longer than that size and
// exact-size results must both come out whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrackedText } from '../../src/data/tracked-text.js';

const spans = (t: TrackedText) => Array.from({ length: t.length }, (_, i) => t.sourceAt(i));

test('replace keeps shared ends and maps the middle to the match; join marks its separator as synthetic', () => {
  const a = TrackedText.fromTurn('买了 500ml 的', 2);
  const b = a.replace(/(\d+)ml/g, (_m, d) => `${d}毫升`);
  assert.equal(b.text, '买了 500毫升 的');
  assert.deepEqual(b.sourceAt(3), { turn: 2, start: 3, end: 4 });
  assert.deepEqual(b.sourceSpan(6, 8), { turn: 2, start: 6, end: 8 }); // 毫升 stands for ml
  const j = TrackedText.join([b, TrackedText.fromTurn('好', 4)], ' | ');
  assert.equal(j.text, '买了 500毫升 的 | 好');
  assert.equal(j.sourceAt(b.length + 1), undefined);
  assert.deepEqual(j.sourceAt(j.length - 1), { turn: 4, start: 0, end: 1 });
  assert.deepEqual(spans(TrackedText.concat([a.slice(0, 2), a.slice(2)])), spans(a));
});

test('a result longer than the builder was sized for grows, and falls back to alignment when it differs', () => {
  const a = TrackedText.fromTurn('ab', 0);
  const doubled = a.mapCodePoints((c) => c + c, 'ab'); // the per-character result 'aabb' ≠ 'ab': aligned
  assert.equal(doubled.text, 'ab');
  assert.deepEqual(spans(doubled), spans(a));
  const long = TrackedText.fromTurn('x'.repeat(100), 1).mapCodePoints((c) => c.toUpperCase() + '!', 'X!'.repeat(100));
  assert.equal(long.text, 'X!'.repeat(100));
  assert.deepEqual(long.sourceAt(199), { turn: 1, start: 99, end: 100 });
  assert.deepEqual(long.sourceAt(0), { turn: 1, start: 0, end: 1 });
});
