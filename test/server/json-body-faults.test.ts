// A JSON body parser thread that fails: piscina reports a failure outside any body as an 'error'
// event, which, unheard, was thrown on the event loop and ended the service.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { installJsonBodyParser } from '../../src/server/json-body.js';
import { sleep } from './helpers.js';

const RETRY_MS = 1_500;
const FAULT_LOG = 'a JSON body parser thread failed outside any request';

test('a parser thread that fails is logged and answered with a 500 naming it; large bodies are refused at once while the threads wait to start again, and answered before their upload ends when the thread fails under them; the service goes on', { timeout: 60_000 }, async () => {
  let givenUp!: () => void;
  const noThreadLeft = new Promise<void>((resolve) => (givenUp = resolve));
  const logged: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const line = chunk.toString();
      logged.push(line);
      // Told before the give-up is recorded: the test goes on just after it.
      if (line.includes(FAULT_LOG) && line.includes('"threadsLeft":0')) setImmediate(givenUp);
      done();
    },
  });
  const app = Fastify({ logger: { level: 'error', stream } });
  installJsonBodyParser(app, { rules: { maxValues: 1_000, maxStringChars: 10_000_000, maxDepth: 32 }, inlineBytes: 64, threads: 1, threadRetryDelayMs: RETRY_MS, workerFile: new URL('./faulty-body-worker.mjs', import.meta.url).href });
  app.post('/echo', async (request) => request.body);
  try {
    // Listening starts the parser thread, which fails as it starts, holding no body; piscina replaces
    // a first thread once, and the replacement fails too.
    await app.listen({ port: 0, host: '127.0.0.1' });
    await Promise.race([noThreadLeft, new Promise((_, reject) => setTimeout(reject, 20_000, new Error('no thread left was logged within 20 s')).unref())]);
    const post = (body: unknown) => app.inject({ method: 'POST', url: '/echo', payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const { port } = app.server.address() as AddressInfo;
    // A large body goes to the threads, which wait before starting again: it is refused, and before
    // the whole of it is sent (it never is here).
    const refused = await neverFinishedBody(port);
    assert.equal(refused.status, 500);
    assert.match(JSON.parse(refused.body).message, /^the body parser threads failed outside any request \(a parser thread fault\); they start again in [\d.]+ s; retry then$/);
    const small = await post({ a: 1 });
    assert.equal(small.statusCode, 200, 'a small body is parsed in place');
    assert.deepEqual(small.json(), { a: 1 });
    // After the wait, a large body starts a thread, which fails the same way, holding it: mid-upload,
    // answered without waiting for the rest (which never comes).
    await sleep(RETRY_MS + 50);
    const later = await neverFinishedBody(port);
    assert.equal(later.status, 500);
    assert.match(JSON.parse(later.body).message, /^the body parser thread failed before the body was parsed: a parser thread fault$/);
    assert.equal((await post({ b: 2 })).statusCode, 200, 'the service still answers');
    assert.match(logged.join(''), /a parser thread fault/);
  } finally {
    await app.close();
  }
});

/** POSTs the start of a 900,000-byte JSON body and never the rest; resolves with the answer, fails after 10 s without one. */
async function neverFinishedBody(port: number): Promise<{ status: number; body: string }> {
  let timer: NodeJS.Timeout | undefined;
  let req: ReturnType<typeof request> | undefined;
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    timer = setTimeout(reject, 10_000, new Error('no answer within 10 s to a large body that never ends'));
    req = request({ port, host: '127.0.0.1', method: 'POST', path: '/echo', headers: { 'content-type': 'application/json', 'content-length': 900_000 } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (part: string) => (body += part));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.write(`{"text":"${'x'.repeat(1_000)}`);
  }).finally(() => {
    clearTimeout(timer);
    req?.destroy();
  });
}
