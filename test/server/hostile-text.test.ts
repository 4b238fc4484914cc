// test: serial
// Text a client can send that once cost far more than its size: a large JSON body is parsed off the
// event loop (it held it for up to 1.8 s), sizes are refused before a sample is built, and text that
// NFKC rewrites character by character (combining marks) is tracked in linear time (it held the only
// text worker for seconds).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_INPUT_LIMITS } from '../../src/data/input-limits.js';
import { TrackedText } from '../../src/data/tracked-text.js';
import { EcommirError } from '../../src/errors.js';
import { intentSampleFromBody } from '../../src/server/request-sample.js';
import { FakeIntentRecognizer, FakeSceneRecognizer } from './fakes.js';
import { KEY, startServer, type RunningServer } from './helpers.js';

const tooLarge = (pattern: RegExp) => (err: unknown) => err instanceof EcommirError && err.code === 'ECM_ERR_INPUT_TOO_LARGE' && pattern.test(err.message);

test('an intent body over the turn or character limits is refused before it is parsed', () => {
  const limits = { ...DEFAULT_INPUT_LIMITS, maxTurns: 3, maxTurnChars: 10, maxTextChars: 25 };
  const turns = (n: number, text: string) => Array.from({ length: n }, (_, i) => ({ role: i % 2 ? ('agent' as const) : ('user' as const), text }));
  assert.throws(() => intentSampleFromBody({ id: 'many', dialogue: turns(100_000, 'x') }, 0, limits), tooLarge(/id many.*100,000 turns, over the limit of 3/));
  assert.throws(() => intentSampleFromBody({ dialogue: turns(1, '哦'.repeat(1_000_000)) }, 0, limits), tooLarge(/turn 1 has 1,000,000 characters/));
  assert.throws(() => intentSampleFromBody({ dialogue: turns(3, '哦'.repeat(9)) }, 0, limits), tooLarge(/27 characters, over the limit of 25 per sample/));
  // As the parser trims: spaces around a turn do not count.
  assert.equal(intentSampleFromBody({ dialogue: turns(1, `  ${'哦'.repeat(10)}  `) }, 0, limits).turns[0].text, '哦'.repeat(10));
});

test('over HTTP the refusal is 413 ECM_ERR_INPUT_TOO_LARGE naming the item, and nothing reaches the recogniser', async () => {
  const intent = new FakeIntentRecognizer();
  const server = await startServer({ recognizers: { scene: new FakeSceneRecognizer(), intent }, limits: { maxTurns: 3 } });
  try {
    const { status, json } = await server.post('/v1/intent', { id: 'long', dialogue: Array.from({ length: 500 }, () => ({ role: 'user', text: '生锈' })) });
    assert.equal(status, 413);
    assert.equal(json.error.code, 'ECM_ERR_INPUT_TOO_LARGE');
    assert.match(json.error.message, /id long: the dialogue has 500 turns/);
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

/**
 * POSTs `body` to `path` (default /v1/intent) from a child process (so the client's own work does not count) and
 * measures the longest the event loop went without running a 1 ms timer meanwhile, ms.
 */
async function postFromChild(server: RunningServer, body: string, path = '/v1/intent'): Promise<{ status: number; json: any; stall: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'ecommir-body-'));
  const file = join(dir, 'body.json');
  writeFileSync(file, body);
  const send = `fetch(process.argv[1], { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ${KEY}' }, body: require('fs').readFileSync(process.argv[2]) })
    .then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, json: await r.json() })))`;
  const child = spawn(process.execPath, ['-e', send, `${server.url}${path}`, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  let last = performance.now();
  let stall = 0;
  const probe = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last);
    last = now;
  }, 1);
  try {
    let out = '';
    child.stdout.on('data', (data) => (out += data));
    await new Promise((resolve) => child.on('close', resolve));
    return { ...JSON.parse(out), stall };
  } finally {
    clearInterval(probe);
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a JSON body near the size limit is parsed off the event loop: a probe timer keeps running', async () => {
  const server = await startServer({ recognizers: { scene: new FakeSceneRecognizer(), intent: new FakeIntentRecognizer() } });
  try {
    // About 31 MB each. Joined and parsed on the event loop, they held it 0.74–0.85 s and 0.41–0.69 s
    // here; parsed and refused in a thread, 16–38 ms.
    const manyTurns = JSON.stringify({ id: 'many', dialogue: Array.from({ length: 1_150_000 }, () => ({ role: 'user', text: 'x' })) });
    const oneLongTurn = JSON.stringify({ id: 'long', dialogue: [{ role: 'user', text: 'x'.repeat(31_000_000) }] });
    await postFromChild(server, '{"dialogue":[{"role":"user","text":"warm up the parser threads"}]}'.padEnd(300_000, ' '));
    const many = await postFromChild(server, manyTurns);
    assert.equal(many.status, 413);
    assert.equal(many.json.error.code, 'ECM_ERR_BODY_TOO_LARGE');
    assert.match(many.json.error.message, /more than [\d,]+ JSON values/);
    const long = await postFromChild(server, oneLongTurn);
    assert.equal(long.status, 413);
    assert.equal(long.json.error.code, 'ECM_ERR_BODY_TOO_LARGE');
    assert.match(long.json.error.message, /^dialogue\[0\]\.text is a string of 31,000,000 characters/);
    assert.ok(many.stall < 200 && long.stall < 200, `the event loop stalled ${Math.round(many.stall)} ms and ${Math.round(long.stall)} ms`);
  } finally {
    await server.close();
  }
});

async function postText(server: RunningServer, text: string): Promise<{ status: number; json: any }> {
  const response = await fetch(`${server.url}/v1/intent`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body: text });
  return { status: response.status, json: await response.json() };
}

test('a body parsed in a thread gives the same value and the same errors as one parsed in place', async () => {
  const intent = new FakeIntentRecognizer();
  const server = await startServer({ recognizers: { scene: new FakeSceneRecognizer(), intent } });
  try {
    const dialogue = { id: 'pad', dialogue: [{ role: 'user', text: '会生锈吗' }] };
    const small = await postText(server, JSON.stringify(dialogue));
    const large = await postText(server, JSON.stringify(dialogue).padEnd(1_000_000, ' '));
    assert.equal(small.status, 200);
    assert.equal(large.status, 200);
    assert.deepEqual(large.json.prediction, small.json.prediction);
    for (const pad of [0, 1_000_000]) {
      const bad = await postText(server, '{"dialogue": ['.padEnd(pad, ' '));
      assert.equal(bad.status, 400);
      assert.equal(bad.json.error.code, 'ECM_ERR_BAD_JSON');
      const poisoned = await postText(server, '{"__proto__": {"x": 1}, "dialogue": []}'.padEnd(pad, ' '));
      assert.equal(poisoned.status, 400);
      assert.equal(poisoned.json.error.code, 'ECM_ERR_BAD_JSON');
      // JSON.parse would keep the second text silently; the service refuses the body and says where.
      const ambiguous = await postText(server, '{"dialogue": [{"role": "user", "text": "会生锈吗", "te\\u0078t": "能调光吗"}]}'.padEnd(pad, ' '));
      assert.equal(ambiguous.status, 400);
      assert.equal(ambiguous.json.error.code, 'ECM_ERR_BAD_JSON');
      assert.match(ambiguous.json.error.message, /the key "text" appears twice in one object, at dialogue\[0\]\.text \(line 1, column 48\)/);
    }
    assert.equal(intent.calls, 2, 'only the two valid bodies reached the recogniser');
  } finally {
    await server.close();
  }
});

test('a deeply nested body is refused by its path, in place or in a thread, and another upload on the thread is answered', async () => {
  const intent = new FakeIntentRecognizer();
  const server = await startServer({ recognizers: { scene: new FakeSceneRecognizer(), intent } });
  try {
    // Another client's large body, half sent, on the same parser thread while the nested ones arrive.
    const dialogue = JSON.stringify({ id: 'slow', dialogue: [{ role: 'user', text: '会生锈吗' }] }).padEnd(600_000, ' ');
    const { request } = await import('node:http');
    const slow = request(`${server.url}/v1/intent`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(dialogue), authorization: `Bearer ${KEY}` } });
    const slowAnswer = new Promise<{ status: number; json: any }>((resolve, reject) => {
      slow.on('response', (response) => {
        let out = '';
        response.on('data', (data) => (out += data));
        response.on('end', () => resolve({ status: response.statusCode!, json: JSON.parse(out) }));
      });
      slow.on('error', reject);
    });
    const bytes = Buffer.from(dialogue);
    slow.write(bytes.subarray(0, 300_000));
    // 20,000 nested arrays overflowed the thread's stack as it answered; 5,000 were never answered.
    for (const [levels, pad] of [[20_000, 300_000], [5_000, 300_000], [40, 300_000], [40, 0]]) {
      const nested = `{"dialogue": [{"role": "user", "text": "会生锈吗"}], "zz": ${'['.repeat(levels)}1${']'.repeat(levels)}}`;
      const answer = await postText(server, nested.padEnd(pad, ' '));
      assert.equal(answer.status, 400, `${levels} levels, ${pad} bytes`);
      assert.equal(answer.json.error.code, 'ECM_ERR_BAD_JSON');
      assert.match(answer.json.error.message, /^zz(\[0\]){31} is nested more than 32 levels deep/);
    }
    slow.end(bytes.subarray(300_000));
    const answered = await slowAnswer;
    assert.equal(answered.status, 200);
    assert.ok(answered.json.prediction, JSON.stringify(answered.json).slice(0, 200));
    // The deepest a batch needs (an image link in a turn in a sample) is well inside the rule.
    const batch = { samples: [{ id: 'b', dialogue: [{ role: 'user', text: '会生锈吗', images: [] }] }] };
    assert.equal((await server.post('/v1/batch', batch)).status, 200);
    assert.equal(intent.calls, 2, 'only the two valid bodies reached the recogniser');
  } finally {
    await server.close();
  }
});

test('a base64 image at the size limit is decoded off the event loop, and answered as one decoded in place', async () => {
  const scene = new FakeSceneRecognizer();
  const server = await startServer({ recognizers: { scene, intent: new FakeIntentRecognizer() } });
  try {
    await postFromChild(server, '{"dialogue":[{"role":"user","text":"warm up the parser threads"}]}'.padEnd(300_000, ' '));
    // Copied back from the thread as a 14 MB string, checked and decoded on the event loop, this
    // held it 147–185 ms here.
    const notAnImage = Buffer.alloc(DEFAULT_INPUT_LIMITS.maxImageBytes - 16, 7).toString('base64');
    const limit = await postFromChild(server, JSON.stringify({ id: 'big', dialogue: [{ role: 'user', text: '看图', images: [notAnImage] }] }));
    assert.equal(limit.status, 400);
    assert.equal(limit.json.error.code, 'ECM_ERR_IMAGE_CORRUPT');
    assert.match(limit.json.error.message, /id big/);
    assert.ok(limit.stall < 100, `the event loop stalled ${Math.round(limit.stall)} ms`);

    // A real image, decoded in the thread (a body past 256 KiB) or in place, or sent as bytes: one answer.
    const sharp = (await import('sharp')).default;
    let state = 12345;
    const noise = Buffer.from(Array.from({ length: 160 * 160 * 3 }, () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 24)));
    const png = await sharp(noise, { raw: { width: 160, height: 160, channels: 3 } }).png().toBuffer();
    assert.ok(png.length * 1.34 > 65_536, 'the image string is long enough to be decoded in the thread');
    const inThread = await postFromChild(server, JSON.stringify({ image: `data:image/png;base64,${png.toString('base64')}` }).padEnd(300_000, ' '), '/v1/scene');
    const inPlace = await postFromChild(server, JSON.stringify({ image: png.toString('base64') }), '/v1/scene');
    assert.equal(inThread.status, 200);
    assert.deepEqual(inThread.json.prediction, inPlace.json.prediction);
    const form = new FormData();
    form.append('file', new Blob([png]), 'noise.png');
    const uploaded = await fetch(`${server.url}/v1/scene`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` }, body: form });
    assert.deepEqual(((await uploaded.json()) as any).prediction, inThread.json.prediction);
  } finally {
    await server.close();
  }
});

test('a listening service has its parser thread started before the first large body', async () => {
  const server = await startServer({ recognizers: { scene: new FakeSceneRecognizer(), intent: new FakeIntentRecognizer() } });
  try {
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    // Started on demand, the thread made this first body take 284 ms here (under tsx); started at listen, 59 ms.
    const started = performance.now();
    const first = await postText(server, JSON.stringify({ dialogue: [{ role: 'user', text: '会生锈吗' }] }).padEnd(400_000, ' '));
    const ms = performance.now() - started;
    assert.equal(first.status, 200);
    assert.ok(ms < 150, `the first large body took ${Math.round(ms)} ms`);
  } finally {
    await server.close();
  }
});
