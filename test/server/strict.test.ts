// Strict requests and the "low" items of the hostile-client review, each on the real server:
// unknown properties and wrong types refused (not dropped or coerced), multipart held to the JSON
// limits, data URLs must be images, malformed multipart is the client's 400, aborted uploads are
// logged at info, every error (408 included) in one shape, query strings never logged, keyless
// local mode refusing foreign Hosts and Origins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { FakeIntentRecognizer, FakeSceneRecognizer } from './fakes.js';
import { KEY, sleep, solidPng, startServer } from './helpers.js';
import { until } from '../until.js';

const recognizers = () => ({ scene: new FakeSceneRecognizer(), intent: new FakeIntentRecognizer() });

/** A logger stream that keeps every JSON line. */
function logSink(): { stream: Writable; lines: Array<Record<string, any>> } {
  const lines: Array<Record<string, any>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return { stream, lines };
}

/** Raw HTTP over a socket: what a hostile client can send that fetch() cannot. */
function raw(url: string, request: string, waitMs = 3000): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    let text = '';
    socket.on('data', (d) => (text += d.toString()));
    socket.on('close', () => resolve(text));
    socket.on('error', () => resolve(text));
    socket.write(request);
    setTimeout(() => socket.destroy(), waitMs);
  });
}

test('unknown properties are 400, not dropped; types are not coerced', async () => {
  const server = await startServer({ recognizers: recognizers() });
  try {
    const cases: Array<[string, unknown]> = [
      ['unknown top-level property', { dialogue: [{ role: 'user', text: '怎么用' }], extra: 1 }],
      ['unknown turn property', { dialogue: [{ role: 'user', text: '怎么用', mood: 'ok' }] }],
      ['a number as text', { dialogue: [{ role: 'user', text: 123 }] }],
      ['a number as id', { id: 7, dialogue: [{ role: 'user', text: '怎么用' }] }],
      ['a string as the images list', { dialogue: [{ role: 'user', text: '怎么用', images: 'abc' }] }],
    ];
    for (const [what, body] of cases) {
      const { status, json } = await server.post('/v1/intent', body);
      assert.equal(status, 400, what);
      assert.equal(json.error.code, 'ECM_ERR_BAD_RECORD', what);
    }
    // The message names the field, and for a turn what to write instead, as the data files do.
    const image = await server.post('/v1/intent', { dialogue: [{ role: 'user', text: '会生锈吗', image: 'abc' }] });
    assert.equal(image.json.error.message, 'invalid request: body/dialogue/0 has a field the API does not take: "image" (a turn\'s images go in "images", a list)');
    // A field named like a built-in has no hint (the look-up found Object's constructor and printed its source).
    const builtIn = await server.post('/v1/intent', { dialogue: [{ role: 'user', text: '会生锈吗', constructor: 1 }] });
    assert.equal(builtIn.json.error.message, 'invalid request: body/dialogue/0 has a field the API does not take: "constructor"');
    const typed = await server.post('/v1/intent', { dialogue: [{ role: 'user', text: 123 }] });
    assert.equal(typed.json.error.message, 'invalid request: body/dialogue/0/text must be string');
    const scene = await server.post('/v1/scene', { image: (await solidPng(8, 8, [1, 2, 3])).toString('base64'), colour: 'red' });
    assert.equal(scene.status, 400);
    assert.match(scene.json.error.message, /body has a field the API does not take: "colour"$/);
    const batch = await server.post('/v1/batch', { samples: [{ dialogue: [{ role: 'user', text: '推荐', x: 1 }] }] });
    assert.equal(batch.status, 200);
    assert.equal(batch.json.results[0].ok, false);
    assert.equal(batch.json.results[0].error.code, 'ECM_ERR_BAD_RECORD');
    assert.match(batch.json.results[0].error.message, /\/dialogue\/0 has a field the API does not take: "x"/);
  } finally {
    await server.close();
  }
});

test('multipart is held to the JSON limits: id length, known fields only, one file; malformed is 400', async () => {
  const log = logSink();
  const server = await startServer({ recognizers: recognizers(), logger: { stream: log.stream } });
  const png = await solidPng(20, 20, [10, 200, 10]);
  const upload = async (fill: (form: FormData) => void) => {
    const form = new FormData();
    fill(form);
    const response = await fetch(`${server.url}/v1/scene`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` }, body: form });
    return { status: response.status, json: (await response.json()) as any };
  };
  try {
    const ok = await upload((f) => (f.append('id', 'a'.repeat(256)), f.append('file', new Blob([png]), 'x.png')));
    assert.equal(ok.status, 200);
    const longId = await upload((f) => (f.append('id', 'a'.repeat(257)), f.append('file', new Blob([png]), 'x.png')));
    assert.equal(longId.status, 400);
    assert.match(longId.json.error.message, /longer than 256/);
    // Characters as JSON counts them: 256 emoji are 512 UTF-16 units, and were refused as too long.
    const emojiId = await upload((f) => (f.append('id', '😀'.repeat(256)), f.append('file', new Blob([png]), 'x.png')));
    assert.equal(emojiId.status, 200, JSON.stringify(emojiId.json));
    const textFile = await upload((f) => f.append('file', 'hello'));
    assert.equal(textFile.status, 400);
    assert.match(textFile.json.error.message, /"file" came as a text field: send the image as a file part/);
    const unknown = await upload((f) => (f.append('note', 'hi'), f.append('file', new Blob([png]), 'x.png')));
    assert.equal(unknown.status, 400);
    const twoFiles = await upload((f) => (f.append('file', new Blob([png]), 'a.png'), f.append('file', new Blob([png]), 'b.png')));
    assert.equal(twoFiles.status, 400);
    assert.equal(twoFiles.json.error.code, 'ECM_ERR_BAD_RECORD');
    assert.match(twoFiles.json.error.message, /^record #0, id #0: the multipart body has more parts than one file part named "file"/);
    const idAfterFile = await upload((f) => (f.append('id', 'shot-1'), f.append('file', new Blob([png]), 'a.png'), f.append('id', 'again')));
    assert.equal(idAfterFile.status, 400);
    assert.match(idAfterFile.json.error.message, /id shot-1: the multipart body has more parts/);
    // A broken body: the boundary never closes.
    const broken = await fetch(`${server.url}/v1/scene`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'multipart/form-data; boundary=XYZ' },
      body: '--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG garbage',
    });
    assert.equal(broken.status, 400);
    assert.equal(((await broken.json()) as any).error.code, 'ECM_ERR_BAD_RECORD');
    assert.deepEqual(log.lines.filter((l) => l.level >= 50), [], 'no error-level log for a client’s bad body');
  } finally {
    await server.close();
  }
});

test('multipart sent to a JSON-only route is 415 naming the route', async () => {
  const server = await startServer({ recognizers: recognizers() });
  try {
    for (const path of ['/v1/intent', '/v1/batch']) {
      const form = new FormData();
      form.append('file', new Blob([await solidPng(4, 4, [1, 2, 3])]), 'x.png');
      const response = await fetch(`${server.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` }, body: form });
      const json = (await response.json()) as any;
      assert.equal(response.status, 415, path);
      assert.match(json.error.message, new RegExp(`^${path} takes application/json only`));
    }
  } finally {
    await server.close();
  }
});

test('JSON sent as text/plain is 415 naming the type; a list, or an object with no "dialogue", says what a dialogue looks like', async () => {
  const server = await startServer({ recognizers: recognizers() });
  try {
    const body = JSON.stringify({ dialogue: [{ role: 'user', text: '会生锈吗' }] });
    const text = await fetch(`${server.url}/v1/intent`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'text/plain' }, body });
    assert.equal(text.status, 415);
    assert.match(((await text.json()) as any).error.message, /^\/v1\/intent takes application\/json only; this body was sent as text\/plain/);
    const list = await server.post('/v1/intent', [{ role: 'user', text: '会生锈吗' }]);
    assert.equal(list.status, 400);
    assert.match(list.json.error.message, /body must be a JSON object, not a list/);
    const bare = await server.post('/v1/intent', { text: '会生锈吗' });
    assert.equal(bare.status, 400);
    assert.match(bare.json.error.message, /body has no "dialogue": a dialogue is its turns in a list, as \{"dialogue": \[\{"role": "user"/);
  } finally {
    await server.close();
  }
});

test('a compressed body is 415 naming its encoding, not bad JSON', async () => {
  const server = await startServer({ recognizers: recognizers() });
  try {
    const { gzipSync } = await import('node:zlib');
    const response = await fetch(`${server.url}/v1/intent`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify({ dialogue: [{ role: 'user', text: '会生锈吗' }] })),
    });
    const json = (await response.json()) as any;
    assert.equal(response.status, 415);
    assert.match(json.error.message, /Content-Encoding gzip is not accepted/);
    const plain = await server.post('/v1/intent', { dialogue: [{ role: 'user', text: '会生锈吗' }] });
    assert.equal(plain.status, 200);
  } finally {
    await server.close();
  }
});

test('a data URL must be an image', async () => {
  const server = await startServer({ recognizers: recognizers() });
  try {
    const png = (await solidPng(8, 8, [1, 2, 3])).toString('base64');
    assert.equal((await server.post('/v1/scene', { image: `data:image/png;base64,${png}` })).status, 200);
    for (const mime of ['text/html', 'application/octet-stream', '']) {
      const { status, json } = await server.post('/v1/scene', { image: `data:${mime};base64,${png}` });
      assert.equal(status, 400, mime);
      assert.equal(json.error.code, 'ECM_ERR_IMAGE_CORRUPT');
    }
  } finally {
    await server.close();
  }
});

test('an aborted upload is logged at info, not as an error', async () => {
  const log = logSink();
  const server = await startServer({ recognizers: recognizers(), logger: { stream: log.stream } });
  try {
    await raw(server.url, `POST /v1/intent HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"dialogue":[`, 300);
    await until('the abort noted at info', () => log.lines.some((l) => l.level === 30 && /aborted/.test(l.msg)), 10_000);
    await sleep(300); // what the server logs after the note (an error there is the fault under test)
    assert.deepEqual(log.lines.filter((l) => l.level >= 50).map((l) => l.msg), []);
  } finally {
    await server.close();
  }
});

test('every error body has one shape, a 408 from the socket layer included', async () => {
  const server = await startServer({ recognizers: recognizers(), limits: { requestTimeoutMs: 500 } });
  try {
    const answer = await raw(server.url, `POST /v1/intent HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"dia`, 4000);
    assert.match(answer, /^HTTP\/1\.1 408/);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    assert.deepEqual(Object.keys(body), ['error']);
    assert.equal(body.error.code, 'ECM_ERR_TIMEOUT');
    const badLine = await raw(server.url, 'GARBAGE\r\n\r\n', 1000);
    assert.match(badLine, /^HTTP\/1\.1 400/);
    assert.equal(JSON.parse(badLine.slice(badLine.indexOf('\r\n\r\n') + 4)).error.code, 'ECM_ERR_BAD_RECORD');
  } finally {
    await server.close();
  }
});

test('a key sent in the query string is never written to the log', async () => {
  const log = logSink();
  const server = await startServer({ recognizers: recognizers(), logger: { stream: log.stream } });
  try {
    await fetch(`${server.url}/v1/intent?api_key=SECRET-IN-QUERY-123`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    await fetch(`${server.url}/healthz?token=SECRET-IN-QUERY-456`);
    await sleep(100);
    const text = log.lines.map((l) => JSON.stringify(l)).join('\n');
    assert.ok(log.lines.some((l) => l.req?.url === '/v1/intent'), 'requests are logged, by path');
    assert.doesNotMatch(text, /SECRET-IN-QUERY/);
  } finally {
    await server.close();
  }
});

test('keyless local mode refuses a foreign Host (DNS rebinding) and another site’s Origin (CSRF)', async () => {
  const server = await startServer({ recognizers: recognizers(), auth: { apiKeys: [], anonymousLoopback: true } });
  const port = new URL(server.url).port;
  const send = (headers: Record<string, string>) =>
    raw(server.url, `POST /v1/intent HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}Content-Type: application/json\r\nContent-Length: 45\r\nConnection: close\r\n\r\n{"dialogue":[{"role":"user","text":"怎么"}]}`.replace('Content-Length: 45', `Content-Length: ${Buffer.byteLength('{"dialogue":[{"role":"user","text":"怎么"}]}')}`));
  try {
    assert.match(await send({ Host: `127.0.0.1:${port}` }), /^HTTP\/1\.1 200/);
    assert.match(await send({ Host: `localhost:${port}`, Origin: `http://localhost:${port}` }), /^HTTP\/1\.1 200/);
    const rebound = await send({ Host: `evil.example:${port}` });
    assert.match(rebound, /^HTTP\/1\.1 403/);
    assert.match(rebound, /ECM_ERR_FORBIDDEN/);
    assert.match(await send({ Host: `127.0.0.1:${port}`, Origin: 'http://evil.example' }), /^HTTP\/1\.1 403/);
    assert.match(await send({ Host: `127.0.0.1:${port}`, 'Sec-Fetch-Site': 'cross-site' }), /^HTTP\/1\.1 403/);
    // The page itself stays reachable.
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  } finally {
    await server.close();
  }
});
