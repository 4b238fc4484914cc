import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeIntentRecognizer, FakeSceneRecognizer } from './fakes.js';
import { KEY, pngDeclaring, solidPng, startServer } from './helpers.js';

const recognizers = () => ({ scene: new FakeSceneRecognizer(), intent: new FakeIntentRecognizer() });

test('a body over the limit is 413 ECM_ERR_BODY_TOO_LARGE', async () => {
  const server = await startServer({ recognizers: recognizers(), limits: { maxBodyBytes: 4096 } });
  try {
    const { status, json } = await server.post('/v1/intent', { dialogue: [{ role: 'user', text: '用法'.repeat(3000) }] });
    assert.equal(status, 413);
    assert.equal(json.error.code, 'ECM_ERR_BODY_TOO_LARGE');
    assert.equal(json.error.message, 'the body is over the 4 KiB (4,096 bytes) that POST /v1/intent takes');
    // A path with no route (a POST to a GET-only path) is named by its path, never its query.
    const stray = await fetch(`${server.url}/healthz?key=secret`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'x'.repeat(8000) }) });
    const strayError = ((await stray.json()) as { error: { message: string } }).error;
    assert.equal(stray.status, 413);
    assert.equal(strayError.message, 'the body is over the 4 KiB (4,096 bytes) that POST /healthz takes');
  } finally {
    await server.close();
  }
});

test('an image over the byte limit is 413 ECM_ERR_IMAGE_TOO_LARGE, as base64 and as an upload', async () => {
  const server = await startServer({ recognizers: recognizers(), limits: { maxImageBytes: 1000 } });
  try {
    const big = Buffer.alloc(3000, 7);
    const json = await server.post('/v1/scene', { image: big.toString('base64') });
    assert.equal(json.status, 413);
    assert.equal(json.json.error.code, 'ECM_ERR_IMAGE_TOO_LARGE');
    const inTurn = await server.post('/v1/intent', { id: 'x', dialogue: [{ role: 'user', text: 'hi', images: [big.toString('base64')] }] });
    assert.equal(inTurn.status, 413);
    assert.match(inTurn.json.error.message, /id x/);
    const form = new FormData();
    form.append('file', new Blob([big], { type: 'image/png' }), 'big.png');
    const upload = await fetch(`${server.url}/v1/scene`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` }, body: form });
    assert.equal(upload.status, 413);
    const error = ((await upload.json()) as any).error;
    assert.equal(error.code, 'ECM_ERR_IMAGE_TOO_LARGE');
    assert.match(error.message, /^record #0, id #0: the uploaded image "big.png" is over the limit of 1000 bytes/);
  } finally {
    await server.close();
  }
});

test('an image string longer than any field is named as an image over the image limit, in MiB (it said only how many characters)', async () => {
  const server = await startServer({ recognizers: recognizers(), limits: { maxImageBytes: 2 ** 20, maxBodyBytes: 8 * 2 ** 20 } });
  try {
    const photo = 'A'.repeat(2_000_000);
    const inTurn = await server.post('/v1/intent', { dialogue: [{ role: 'user', text: 'hi', images: [photo] }] });
    assert.equal(inTurn.status, 413);
    assert.equal(inTurn.json.error.code, 'ECM_ERR_BODY_TOO_LARGE');
    assert.match(inTurn.json.error.message, /^dialogue\[0\]\.images\[0\] is a string of 2,000,000 characters, longer than any field within the limits \([\d,]+\): as base64, an image of about 1\.5 MiB, over the 1 MiB image limit$/);
    // /v1/scene takes one image's body: the body limit says so.
    const scene = await server.post('/v1/scene', { image: photo });
    assert.equal(scene.status, 413);
    assert.equal(scene.json.error.code, 'ECM_ERR_BODY_TOO_LARGE');
    assert.match(scene.json.error.message, /^the body is over the 1\.4 MiB \(1,[\d,]+ bytes\) that POST \/v1\/scene takes: one image of at most 1 MiB, as base64 \(or uploaded as multipart\/form-data\)$/);
    // A text field too long says nothing of images.
    const text = await server.post('/v1/intent', { dialogue: [{ role: 'user', text: 'x'.repeat(2_000_000) }] });
    assert.equal(text.status, 413);
    assert.doesNotMatch(text.json.error.message, /image/);
  } finally {
    await server.close();
  }
});

test('bad images are 4xx with a code, never a crash: corrupt bytes, text, truncated, a decompression bomb', async () => {
  const scene = new FakeSceneRecognizer();
  const server = await startServer({ recognizers: { scene, intent: new FakeIntentRecognizer() } });
  try {
    const good = await solidPng(300, 200, [10, 200, 10]);
    const cases: Array<[string, Buffer, number, string]> = [
      ['random bytes', Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 73) % 256)), 400, 'ECM_ERR_IMAGE_CORRUPT'],
      ['a text file', Buffer.from('用户: 这是一段文字，不是图片\n'), 400, 'ECM_ERR_IMAGE_CORRUPT'],
      ['a truncated PNG', good.subarray(0, Math.floor(good.length * 0.6)), 400, 'ECM_ERR_IMAGE_CORRUPT'],
      ['a 30000×30000 PNG', await pngDeclaring(30000, 30000), 413, 'ECM_ERR_IMAGE_TOO_LARGE'],
    ];
    for (const [what, bytes, status, code] of cases) {
      const asJson = await server.post('/v1/scene', { image: bytes.toString('base64') });
      assert.equal(asJson.status, status, what);
      assert.equal(asJson.json.error.code, code, what);
      const form = new FormData();
      form.append('file', new Blob([bytes], { type: 'image/png' }), 'x.png');
      const upload = await fetch(`${server.url}/v1/scene`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` }, body: form });
      assert.equal(upload.status, status, `${what} (upload)`);
    }
    assert.equal(scene.calls, 0, 'no bad image reaches the recogniser');
    const notBase64 = await server.post('/v1/scene', { image: 'data:text/plain,hello' });
    assert.equal(notBase64.status, 400);
    assert.equal(notBase64.json.error.code, 'ECM_ERR_IMAGE_CORRUPT');
    // Still serving.
    assert.equal((await server.post('/v1/scene', { image: good.toString('base64') })).status, 200);
  } finally {
    await server.close();
  }
});

test('an image string is never read as a server path', async () => {
  const server = await startServer({ recognizers: recognizers() });
  try {
    const { status, json } = await server.post('/v1/intent', { dialogue: [{ role: 'user', text: 'x', images: ['/etc/hostname'] }] });
    assert.equal(status, 400);
    assert.equal(json.error.code, 'ECM_ERR_IMAGE_CORRUPT');
  } finally {
    await server.close();
  }
});

test('/readyz publishes what a request may carry, as configured, and nothing of lanes, deadlines or rate', async () => {
  const server = await startServer({ recognizers: recognizers(), limits: { maxImageBytes: 123_456, maxImages: 3, maxTurnChars: 777, rateLimitPerMinute: 99 } });
  try {
    const ready = await fetch(`${server.url}/readyz`);
    assert.equal(ready.status, 200);
    const { limits } = (await ready.json()) as { limits: Record<string, number> };
    assert.deepEqual(limits, {
      maxBodyBytes: 32 * 1024 * 1024,
      maxBatch: 64,
      maxTurns: 200,
      maxTurnChars: 777,
      maxTextChars: 100_000,
      maxImages: 3,
      maxImageBytes: 123_456,
      maxImagePixels: 40_000_000,
      maxImageSide: 30_000,
    });
    // Each limit published is one the service holds requests to: an image one byte over is refused.
    const over = await server.post('/v1/scene', { image: Buffer.alloc(limits.maxImageBytes + 1, 7).toString('base64') });
    assert.equal(over.status, 413);
    assert.equal(over.json.error.code, 'ECM_ERR_IMAGE_TOO_LARGE');
  } finally {
    await server.close();
  }
});
