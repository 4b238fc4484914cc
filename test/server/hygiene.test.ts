// Connection hygiene on the real server: a rate limit per key (or address), a cap on connections
// per address that leaves other clients in, and a budget of request bodies in flight that refuses
// a burst before its bodies are read and is released when they finish.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { FakeIntentRecognizer } from './fakes.js';
import { KEY, sleep, startServer } from './helpers.js';
import { until } from '../until.js';

const dialogue = { dialogue: [{ role: 'user', text: '怎么用' }] };
const OTHER_KEY = 'other-key-abcdefghijklmnop';

test('the rate limit is per key: 429 in the error shape with Retry-After, another key unaffected', async () => {
  const server = await startServer({ recognizers: { intent: new FakeIntentRecognizer() }, auth: { apiKeys: [KEY, OTHER_KEY] }, limits: { rateLimitPerMinute: 5 } });
  try {
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof server.post>> | undefined;
    for (let i = 0; i < 7; i++) {
      const answer = await server.post('/v1/intent', dialogue);
      statuses.push(answer.status);
      if (answer.status === 429) limited = answer;
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
    assert.equal(limited!.json.error.code, 'ECM_ERR_RATE_LIMITED');
    assert.ok(Number(limited!.headers.get('retry-after')) > 0);
    assert.equal((await server.post('/v1/intent', dialogue, OTHER_KEY)).status, 200);
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200, 'health checks are not rate limited');
  } finally {
    await server.close();
  }
});

function openSocket(port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress }, () => resolve(socket));
    socket.once('error', reject);
  });
}

function getFrom(url: string, localAddress: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/healthz`, { localAddress, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
    req.end();
  });
}

test('one address holding idle sockets cannot lock others out: past its cap its sockets are closed', async () => {
  const server = await startServer({ recognizers: { intent: new FakeIntentRecognizer() }, limits: { maxConnectionsPerAddress: 5 } });
  const port = Number(new URL(server.url).port);
  const sockets: Socket[] = [];
  try {
    for (let i = 0; i < 20; i++) sockets.push(await openSocket(port));
    // Waited for, not slept on: a busy machine may take longer than a fixed pause to close them.
    const isClosed = (s: Socket): boolean => s.destroyed || s.readyState === 'closed';
    await until('the 15 sockets past the cap closed', () => sockets.filter(isClosed).length >= 15, 10_000);
    await sleep(300);
    assert.equal(sockets.filter(isClosed).length, 15, 'the 15 sockets past the cap are closed, the 5 under it stay open');
    // Another client (another loopback address) still gets in.
    assert.equal(await getFrom(server.url, '127.0.0.2'), 200);
  } finally {
    for (const s of sockets) s.destroy();
    await server.close();
  }
});

/** A raw POST /v1/intent with these headers (the key's, `Connection: close` and `extra`) sent; the answer is what arrives before the socket closes. */
async function postHead(port: number, key: string, extra: string): Promise<{ socket: Socket; answer: Promise<string> }> {
  const socket = await openSocket(port);
  let text = '';
  socket.on('data', (d) => (text += d.toString()));
  const answer = new Promise<string>((resolve) => socket.once('close', () => resolve(text)));
  socket.write(`POST /v1/intent HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\n${extra}Connection: close\r\n\r\n`);
  return { socket, answer };
}

/** A raw POST /v1/intent that declares `body`'s length and sends its head (and the body only if asked). */
async function postRaw(port: number, key: string, body: string, withBody: boolean): Promise<{ socket: Socket; answer: Promise<string> }> {
  const sent = await postHead(port, key, `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`);
  if (withBody) sent.socket.write(body);
  return sent;
}

test('one client holds at most half the body budget: its slow uploads cannot lock another client out', async () => {
  const server = await startServer({ recognizers: { intent: new FakeIntentRecognizer() }, auth: { apiKeys: [KEY, OTHER_KEY] }, limits: { maxBodyBytes: 50_000, maxBodyBytesInFlight: 100_000 } });
  const port = Number(new URL(server.url).port);
  const body = JSON.stringify({ dialogue: [{ role: 'user', text: `怎么用${' '.repeat(30_000)}` }] });
  // A request that declares its body and sends none of it: it holds its share until it times out.
  const hold = (key: string) => postRaw(port, key, body, false);
  const held: Socket[] = [];
  try {
    const first = await hold(KEY);
    held.push(first.socket);
    await sleep(100);
    // The same client's second body would take it past half the budget (2 × 30 kB > 50 kB)...
    const second = await hold(KEY);
    held.push(second.socket);
    const refused = await second.answer;
    assert.match(refused, /^HTTP\/1\.1 503/);
    assert.match(refused, /this client is already sending large requests/);
    // ...while another client still has the other half: the same body from it is answered.
    const other = await server.post('/v1/intent', JSON.parse(body), OTHER_KEY);
    assert.equal(other.status, 200);
  } finally {
    for (const s of held) s.destroy();
    await server.close();
  }
});

/** A raw chunked POST /v1/intent (no declared length) that sends `first` as its first chunk; `send` adds chunks, `end` the last one. */
async function postChunked(port: number, key: string, first: string, type = 'application/json'): Promise<{ send(text: string): void; end(): void; answer: Promise<string> }> {
  const { socket, answer } = await postHead(port, key, `Content-Type: ${type}\r\nTransfer-Encoding: chunked\r\n`);
  socket.on('error', () => {});
  const send = (chunk: string): void => {
    // An empty chunk would be the last one.
    if (!socket.destroyed && chunk !== '') socket.write(`${Buffer.byteLength(chunk).toString(16)}\r\n${chunk}\r\n`);
  };
  send(first);
  return { send, end: () => !socket.destroyed && socket.end('0\r\n\r\n'), answer };
}

test('a chunked body is counted as it arrives: stalled ones lock nobody out, and one that outgrows the room left is refused', async () => {
  // Counted at the largest body (50 kB), two stalled chunked bodies held this whole budget.
  const server = await startServer({ recognizers: { intent: new FakeIntentRecognizer() }, auth: { apiKeys: [KEY, OTHER_KEY] }, limits: { maxBodyBytes: 50_000, maxBodyBytesInFlight: 80_000 } });
  const port = Number(new URL(server.url).port);
  const text = (n: number) => JSON.stringify({ dialogue: [{ role: 'user', text: `怎么用${' '.repeat(n)}` }] });
  const stalled: Awaited<ReturnType<typeof postChunked>>[] = [];
  try {
    for (let i = 0; i < 8; i++) stalled.push(await postChunked(port, KEY, '{"dia'));
    await sleep(100);
    assert.equal((await server.post('/v1/intent', JSON.parse(text(30_000)), OTHER_KEY)).status, 200, 'another client is answered');
    assert.equal((await server.post('/v1/intent', JSON.parse(text(100)), KEY)).status, 200, 'so is the same client');
    // A chunked body that grows step by step to 40 kB fits and is answered.
    const grown = await postChunked(port, OTHER_KEY, '');
    const whole = text(40_000);
    for (let at = 0; at < whole.length; at += 5_000) grown.send(whole.slice(at, at + 5_000));
    grown.end();
    assert.match(await grown.answer, /^HTTP\/1\.1 200/);
    // With a declared 40 kB held, a chunked 45 kB cannot be covered: refused part way, 503 with Retry-After.
    const holder = await postRaw(port, OTHER_KEY, text(40_000), false);
    await sleep(100);
    const tooMuch = await postChunked(port, KEY, '');
    const big = text(45_000);
    for (let at = 0; at < big.length; at += 5_000) {
      tooMuch.send(big.slice(at, at + 5_000));
      await sleep(5);
    }
    tooMuch.end();
    const refused = await tooMuch.answer;
    assert.match(refused, /^HTTP\/1\.1 503/);
    assert.match(refused, /retry-after: 1/i);
    assert.match(refused, /ECM_ERR_BUSY.*the service is receiving too many large requests/);
    holder.socket.destroy();
    // The stalled ones finish and are answered.
    for (const body of stalled) {
      body.send('logue":[{"role":"user","text":"怎么用"}]}');
      body.end();
    }
    for (const body of stalled) assert.match(await body.answer, /^HTTP\/1\.1 200/);
    // A chunked body our JSON reader does not read (Fastify's text parser reads it whole before the
    // route's 415) is counted at the largest body, as before: a second one does not fit.
    const plain = await postChunked(port, KEY, 'text', 'text/plain');
    await sleep(100);
    const second = await postChunked(port, OTHER_KEY, 'text', 'text/plain');
    assert.match(await second.answer, /^HTTP\/1\.1 503/);
    plain.end();
    assert.match(await plain.answer, /^HTTP\/1\.1 415/);
  } finally {
    await server.close();
  }
});

test('bodies in flight have a budget: a burst is refused before it is read, and the budget comes back', async () => {
  const server = await startServer({ recognizers: { intent: new FakeIntentRecognizer() }, limits: { maxBodyBytesInFlight: 100_000 } });
  const port = Number(new URL(server.url).port);
  const body = JSON.stringify({ dialogue: [{ role: 'user', text: `怎么用${' '.repeat(60_000)}` }] });
  const answers: string[] = [];
  const send = (withBody: boolean) => postRaw(port, KEY, body, withBody);
  try {
    // The first request declares 60 kB and is held half-sent: the budget of 100 kB has 40 kB left.
    const first = await send(false);
    await sleep(100);
    const second = await send(false);
    const refused = await second.answer;
    assert.match(refused, /^HTTP\/1\.1 503/);
    assert.match(refused, /ECM_ERR_BUSY/);
    // The first finishes; its share of the budget is released and the next request passes.
    first.socket.write(body);
    answers.push(await first.answer);
    assert.match(answers[0], /^HTTP\/1\.1 200/);
    const third = await send(true);
    assert.match(await third.answer, /^HTTP\/1\.1 200/);
  } finally {
    await server.close();
  }
});

test('a burst past the budget gets its 503s: a client still sending is answered, not reset', async () => {
  // One client's share is one 4 MiB body: of 32 sent at once, 1 is received and 31 refused before they
  // are read. Refused with `Connection: close`, 24 of those 31 saw the socket reset (EPIPE) before
  // they read the 503; now the rest of each body is read and dropped, and the 503 arrives.
  const server = await startServer({ recognizers: { intent: new FakeIntentRecognizer() }, limits: { maxBodyBytes: 4 * 2 ** 20, maxBodyBytesInFlight: 8 * 2 ** 20 } });
  const script = `
    const body = JSON.stringify({ dialogue: [{ role: 'user', text: '怎么用' + ' '.repeat(4 * 2 ** 20 - 100) }] });
    const results = await Promise.all(Array.from({ length: 32 }, async () => {
      try {
        const r = await fetch(process.argv[1] + '/v1/intent', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ${KEY}' }, body });
        const j = await r.json().catch(() => ({}));
        return r.status + ' ' + (j.error?.code ?? '');
      } catch (err) { return 'error ' + (err.cause?.code ?? err.message); }
    }));
    process.stdout.write(JSON.stringify(results));`;
  try {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', script, server.url], (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
    const results = (JSON.parse(out) as string[]).map((r) => r.trim());
    assert.ok(results.every((r) => r === '200' || r === '503 ECM_ERR_BUSY'), `answers: ${results.join(', ')}`);
    assert.ok(results.includes('200') && results.includes('503 ECM_ERR_BUSY'), `answers: ${results.join(', ')}`);
  } finally {
    await server.close();
  }
});
