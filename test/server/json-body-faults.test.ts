// A JSON body parser thread that fails: piscina reports a failure outside any body as an 'error'
// event, which, unheard, was thrown on the event loop and ended the service.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { installJsonBodyParser } from '../../src/server/json-body.js';
import { sleep } from './helpers.js';

test('a parser thread that fails is logged and answered with a 500 naming it; the service goes on', { timeout: 60_000 }, async () => {
  const logged: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logged.push(chunk.toString());
      done();
    },
  });
  const app = Fastify({ logger: { level: 'error', stream } });
  installJsonBodyParser(app, { rules: { maxValues: 1_000, maxStringChars: 100_000 }, inlineBytes: 64, threads: 1, workerFile: new URL('./faulty-body-worker.mjs', import.meta.url).href });
  app.post('/echo', async (request) => request.body);
  try {
    // Listening starts the parser thread, which fails as it starts, holding no body.
    await app.listen({ port: 0, host: '127.0.0.1' });
    const until = Date.now() + 20_000;
    while (!logged.some((line) => line.includes('a JSON body parser thread failed outside any request'))) {
      assert.ok(Date.now() < until, 'the failed thread was logged within 20 s');
      await sleep(20);
    }
    assert.match(logged.join(''), /a parser thread fault/);
    const post = (body: unknown) => app.inject({ method: 'POST', url: '/echo', payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const small = await post({ a: 1 });
    assert.equal(small.statusCode, 200, 'a small body is parsed in place');
    assert.deepEqual(small.json(), { a: 1 });
    // A large body goes to a thread, which fails the same way, now holding it.
    const large = await post({ text: 'x'.repeat(1_000) });
    assert.equal(large.statusCode, 500);
    assert.match(large.json().message, /the body parser thread failed before the body was parsed: .*a parser thread fault/);
    assert.equal((await post({ b: 2 })).statusCode, 200, 'the service still answers');
  } finally {
    await app.close();
  }
});
