// test: serial
// Text a client can send that once cost far more than its size: sizes are refused before the body is
// parsed (parsing runs on the event loop), and text that NFKC rewrites character by character
// (combining marks) is tracked in linear time (it held the only text worker for seconds).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_INPUT_LIMITS } from '../../src/data/input-limits.js';
import { TrackedText } from '../../src/data/tracked-text.js';
import { EcommirError } from '../../src/errors.js';
import { intentSampleFromBody } from '../../src/server/request-sample.js';
import { FakeIntentRecognizer, FakeSceneRecognizer } from './fakes.js';
import { startServer } from './helpers.js';

const tooLarge = (pattern: RegExp) => (err: unknown) => err instanceof EcommirError && err.code === 'ECM_ERR_INPUT_TOO_LARGE' && pattern.test(err.message);

test('an intent body over the turn or character limits is refused before it is parsed', () => {
  const limits = { ...DEFAULT_INPUT_LIMITS, maxTurns: 3, maxTurnChars: 10, maxTextChars: 25 };
  const turns = (n: number, text: string) => Array.from({ length: n }, (_, i) => ({ role: i % 2 ? ('agent' as const) : ('user' as const), text }));
  assert.throws(() => intentSampleFromBody({ id: 'many', dialogue: turns(100_000, 'x') }, 0, limits), tooLarge(/id many.*100,000 turns, over the limit of 3/));
  assert.throws(() => intentSampleFromBody({ dialogue: turns(1, '哦'.repeat(1_000_000)) }, 0, limits), tooLarge(/turn 0 has 1,000,000 characters/));
  assert.throws(() => intentSampleFromBody({ dialogue: turns(3, '哦'.repeat(9)) }, 0, limits), tooLarge(/27 characters, over the limit of 25 per sample/));
  // As the parser trims: spaces around a turn do not count.
  assert.equal(intentSampleFromBody({ dialogue: turns(1, `  ${'哦'.repeat(10)}  `) }, 0, limits).turns[0].text, '哦'.repeat(10));
});

test('over HTTP the refusal is 413 ECM_ERR_INPUT_TOO_LARGE naming the item, and nothing reaches the recogniser', async () => {
  const intent = new FakeIntentRecognizer();
  const server = await startServer({ recognizers: { scene: new FakeSceneRecognizer(), intent }, limits: { maxTurns: 3 } });
  try {
    const { status, json } = await server.post('/v1/intent', { id: 'long', dialogue: Array.from({ length: 50_000 }, () => ({ role: 'user', text: '生锈' })) });
    assert.equal(status, 413);
    assert.equal(json.error.code, 'ECM_ERR_INPUT_TOO_LARGE');
    assert.match(json.error.message, /id long: the dialogue has 50,000 turns/);
    assert.equal(intent.calls, 0);
  } finally {
    await server.close();
  }
});

test('text that shares no character with its NFKC form is aligned in linear time', () => {
  // 'e' + U+0301 composes to 'é' across two code points: every output character is unmatched.
  // Quadratic, 80,000 units took about 7 s; linear, well under a second.
  const text = 'e\u0301'.repeat(40_000);
  const started = performance.now();
  const folded = TrackedText.fromTurn(text, 0).mapCodePoints((c) => c.normalize('NFKC'), text.normalize('NFKC'));
  assert.equal(folded.text, 'é'.repeat(40_000));
  assert.deepEqual(folded.sourceAt(0), { turn: 0, start: 0, end: text.length });
  assert.ok(performance.now() - started < 2_000, `took ${Math.round(performance.now() - started)} ms`);
});
