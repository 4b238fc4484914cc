import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLoopbackAddress, loadApiKeys, resolveAuthPolicy, sharedSamplesWarning } from '../../src/server/auth.js';
import { FakeIntentRecognizer } from './fakes.js';
import { KEY, startServer } from './helpers.js';
import { main } from '../../src/cli/main.js';

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
  assert.deepEqual(resolveAuthPolicy({ apiKeys: [], host: '127.0.0.1', allowAnonymousLocalhost: false }), { apiKeys: [], reviewerKeys: [], anonymousLoopback: true });
  assert.deepEqual(resolveAuthPolicy({ apiKeys: ['k'], host: '127.0.0.1', allowAnonymousLocalhost: false }), { apiKeys: ['k'], reviewerKeys: [], anonymousLoopback: false });
  assert.deepEqual(resolveAuthPolicy({ apiKeys: ['k'], host: '0.0.0.0', allowAnonymousLocalhost: true }), { apiKeys: ['k'], reviewerKeys: [], anonymousLoopback: true });
  // Reviewer keys are API keys: with only them the service is keyed, on any host, and not open to loopback.
  assert.deepEqual(resolveAuthPolicy({ apiKeys: [], reviewerKeys: ['r'], host: '0.0.0.0', allowAnonymousLocalhost: false }), { apiKeys: [], reviewerKeys: ['r'], anonymousLoopback: false });
  assert.deepEqual(resolveAuthPolicy({ apiKeys: [], reviewerKeys: ['r'], host: '127.0.0.1', allowAnonymousLocalhost: false }).anonymousLoopback, false);
  assert.ok(isLoopbackAddress('::ffff:127.0.0.1') && isLoopbackAddress('::1') && isLoopbackAddress('127.3.4.5'));
  assert.ok(!isLoopbackAddress('10.0.0.1') && !isLoopbackAddress('::ffff:192.168.1.2') && !isLoopbackAddress(undefined));
});

test('keys come from the environment variable and the keys file; # starts a comment only at the start of a line', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ecommir-keys-'));
  const file = join(dir, 'keys.txt');
  const [a, b, c] = ['alpha-0123456789abcdef', 'beta-0123456789abcdef#x', 'one-0123456789abcdef'];
  await writeFile(file, `# ops keys\n${a}\n\n   ${b}  \n  # laptop, indented comment\n${a}\n`);
  // `#` inside a line is part of the key (it once cut 'abc#secret' down to 'abc').
  assert.deepEqual(await loadApiKeys(` ${c}, ,${c}`, file), [c, a, b]);
  await assert.rejects(loadApiKeys(undefined, join(dir, 'missing.txt')), { code: 'ECM_ERR_BAD_OPTION' });
  // Through a pipe (`--api-keys-file <(vault read …)`, the key never on disk); a device is refused at once.
  const { execFileSync } = await import('node:child_process');
  const { writeIntoFifo } = await import('../data/helpers.js');
  const fifo = join(dir, 'piped-keys');
  execFileSync('mkfifo', [fifo]);
  const written = writeIntoFifo(fifo, `printf '${a}\\n'`);
  assert.deepEqual(await loadApiKeys(undefined, fifo), [a]);
  await written;
  await assert.rejects(loadApiKeys(undefined, '/dev/zero'), /cannot read the API keys file \/dev\/zero: it is a device, not a file or a pipe/);
});

test('a short key, a key with a space and an empty keys file stop the start-up with an error naming the line', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ecommir-keys-'));
  const file = join(dir, 'keys.txt');
  await writeFile(file, '# keys\nabc#secret\n');
  await assert.rejects(loadApiKeys(undefined, file), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'ECM_ERR_BAD_OPTION');
    assert.match(err.message, /line 2 of .*keys\.txt has 10 characters; keys need at least 16/);
    assert.doesNotMatch(err.message, /secret/, 'the key itself is not printed');
    return true;
  });
  await writeFile(file, 'first-half-of-a-key second-half-of-it\n');
  await assert.rejects(loadApiKeys(undefined, file), /line 1 .* contains a space/);
  await writeFile(file, '# only comments\n\n   \n');
  await assert.rejects(loadApiKeys(undefined, file), /has no keys/);
  await assert.rejects(loadApiKeys('short', undefined), /#1 of ECOMMIR_API_KEYS has 5 characters/);
  assert.equal((await main(['serve', '--port', '0', '--api-keys-file', file])), 2, 'serve refuses to start (a usage error)');
  // The library applies the same rule to keys given in code.
  await assert.rejects(startServer({ auth: { apiKeys: ['tiny'] } }), { code: 'ECM_ERR_BAD_OPTION' });
});

test('reviewer keys are read and checked like API keys, and their errors name the reviewer list', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ecommir-keys-'));
  const file = join(dir, 'reviewers.txt');
  const [r, s] = ['reviewer-0123456789abcdef', 'second-0123456789abcdef'];
  await writeFile(file, `# reviewers\n${r}\n`);
  assert.deepEqual(await loadApiKeys(`${s}`, file, 'ECOMMIR_REVIEWER_KEYS', 'reviewer'), [s, r]);
  await writeFile(file, '# reviewers\nabc#secret\n');
  await assert.rejects(loadApiKeys(undefined, file, 'ECOMMIR_REVIEWER_KEYS', 'reviewer'), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'ECM_ERR_BAD_OPTION');
    assert.match(err.message, /^reviewer key on line 2 of .*reviewers\.txt has 10 characters; keys need at least 16/);
    assert.doesNotMatch(err.message, /secret/);
    return true;
  });
  await writeFile(file, 'first-half-of-a-key second-half-of-it\n');
  await assert.rejects(loadApiKeys(undefined, file, 'ECOMMIR_REVIEWER_KEYS', 'reviewer'), /: reviewer key on line 1 .* contains a space/);
  // An empty reviewer file would silently leave every key a reviewer: refused.
  await writeFile(file, '# nobody yet\n');
  await assert.rejects(loadApiKeys(undefined, file, 'ECOMMIR_REVIEWER_KEYS', 'reviewer'), /the reviewer keys file .* has no keys .*every key a reviewer/);
  await assert.rejects(loadApiKeys(undefined, join(dir, 'missing.txt'), 'ECOMMIR_REVIEWER_KEYS', 'reviewer'), /cannot read the reviewer keys file/);
  await assert.rejects(loadApiKeys('short', undefined, 'ECOMMIR_REVIEWER_KEYS', 'reviewer'), /reviewer key #1 of ECOMMIR_REVIEWER_KEYS has 5 characters/);
  // serve reads --reviewer-keys-file and stops with the same error (a usage error, before any worker starts).
  const written: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (written.push(String(chunk)), true)) as typeof process.stderr.write;
  let code: number;
  try {
    code = await main(['serve', '--port', '0', '--reviewer-keys-file', file]);
  } finally {
    process.stderr.write = write;
  }
  assert.equal(code, 2);
  assert.match(written.join(''), /the reviewer keys file .*reviewers\.txt has no keys/);
  // Keys given in code: the same rule, named by their option.
  await assert.rejects(startServer({ auth: { apiKeys: [KEY], reviewerKeys: ['tiny'] } }), /reviewer key auth\.reviewerKeys\[0\] has 4 characters/);
});

test('serve warns at start-up when several keys share a feedback store with no reviewer key among them', () => {
  const two = ['a-0123456789abcdef', 'b-0123456789abcdef'];
  const warning = sharedSamplesWarning({ apiKeys: two, reviewerKeys: [], feedback: true });
  assert.match(warning ?? '', /^2 API keys and no reviewer keys: every key can read, relabel and undo every other key's stored samples/);
  assert.match(warning ?? '', /--reviewer-keys-file or ECOMMIR_REVIEWER_KEYS/);
  // Nothing to say: no feedback store, one key (or none), or reviewer keys already scope the others.
  assert.equal(sharedSamplesWarning({ apiKeys: two, reviewerKeys: [], feedback: false }), undefined);
  assert.equal(sharedSamplesWarning({ apiKeys: two.slice(0, 1), reviewerKeys: [], feedback: true }), undefined);
  assert.equal(sharedSamplesWarning({ apiKeys: [], reviewerKeys: [], feedback: true }), undefined);
  assert.equal(sharedSamplesWarning({ apiKeys: two, reviewerKeys: ['r-0123456789abcdef'], feedback: true }), undefined);
});
