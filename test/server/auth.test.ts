import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLoopbackAddress, loadApiKeys, resolveAuthPolicy } from '../../src/server/auth.js';
import { FakeIntentRecognizer } from './fakes.js';
import { KEY, startServer } from './helpers.js';

const dialogue = { dialogue: [{ role: 'user', text: '怎么用' }] };

test('/v1 needs a valid bearer key: 401 without, 401 with a wrong one, 200 with the key', async () => {
  const server = await startServer({ recognizers: { intent: new FakeIntentRecognizer() } });
  try {
    const none = await server.post('/v1/intent', dialogue, null);
    assert.equal(none.status, 401);
    assert.equal(none.json.error.code, 'ECM_ERR_UNAUTHORIZED');
    const wrong = await server.post('/v1/intent', dialogue, `${KEY}x`);
    assert.equal(wrong.status, 401);
    assert.equal(wrong.json.error.code, 'ECM_ERR_UNAUTHORIZED');
    const prefix = await server.post('/v1/intent', dialogue, KEY.slice(0, -1));
    assert.equal(prefix.status, 401);
    const ok = await server.post('/v1/intent', dialogue);
    assert.equal(ok.status, 200);
    // The page, health and docs stay public.
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${server.url}/openapi.json`)).status, 200);
  } finally {
    await server.close();
  }
});

test('anonymous loopback: a local caller passes without a key when the policy allows it', async () => {
  const server = await startServer({
    recognizers: { intent: new FakeIntentRecognizer() },
    auth: { apiKeys: [KEY], anonymousLoopback: true },
  });
  try {
    assert.equal((await server.post('/v1/intent', dialogue, null)).status, 200);
  } finally {
    await server.close();
  }
});

test('no keys and no anonymous access: everything under /v1 is refused', async () => {
  const server = await startServer({ recognizers: { intent: new FakeIntentRecognizer() }, auth: { apiKeys: [] } });
  try {
    assert.equal((await server.post('/v1/intent', dialogue, null)).status, 401);
    assert.equal((await server.post('/v1/intent', dialogue, '')).status, 401);
  } finally {
    await server.close();
  }
});

test('serve policy: keyless only on loopback; the flag opens loopback alongside keys', () => {
  assert.throws(() => resolveAuthPolicy({ apiKeys: [], host: '0.0.0.0', allowAnonymousLocalhost: false }), { code: 'ECM_ERR_BAD_OPTION' });
  assert.deepEqual(resolveAuthPolicy({ apiKeys: [], host: '127.0.0.1', allowAnonymousLocalhost: false }), { apiKeys: [], anonymousLoopback: true });
  assert.deepEqual(resolveAuthPolicy({ apiKeys: ['k'], host: '127.0.0.1', allowAnonymousLocalhost: false }), { apiKeys: ['k'], anonymousLoopback: false });
  assert.deepEqual(resolveAuthPolicy({ apiKeys: ['k'], host: '0.0.0.0', allowAnonymousLocalhost: true }), { apiKeys: ['k'], anonymousLoopback: true });
  assert.ok(isLoopbackAddress('::ffff:127.0.0.1') && isLoopbackAddress('::1') && isLoopbackAddress('127.3.4.5'));
  assert.ok(!isLoopbackAddress('10.0.0.1') && !isLoopbackAddress('::ffff:192.168.1.2') && !isLoopbackAddress(undefined));
});

test('keys come from the environment variable and the keys file, comments and blanks dropped', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ecommir-keys-'));
  const file = join(dir, 'keys.txt');
  await writeFile(file, '# ops keys\nalpha\n\n beta  # laptop\nalpha\n');
  assert.deepEqual(await loadApiKeys(' one, ,two', file), ['one', 'two', 'alpha', 'beta']);
  await assert.rejects(loadApiKeys(undefined, join(dir, 'missing.txt')), { code: 'ECM_ERR_BAD_OPTION' });
});
