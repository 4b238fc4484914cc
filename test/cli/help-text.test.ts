// What `--help` says against what the code does (found by a read of the README against the help texts,
// 2026-12-07): the cache folder under $ECOMMIR_CACHE_DIR, what a key that is not a reviewer's may fetch,
// and the flag that counts only with another.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './run-cli.js';

test('serve --help names the cache folder the service uses, and what a key that is not a reviewer\'s may fetch', async () => {
  const help = await runCli(['serve', '--help']);
  assert.equal(help.code, 0, help.stderr);
  const text = help.stdout.replace(/\s+/g, ' ');
  // The folder is `serve` under either root (src/cli/commands/serve.ts, cacheOptions); the help dropped it for the variable.
  assert.match(text, /files 0600 in a 0700 folder, \$ECOMMIR_CACHE_DIR\/serve or ~\/\.cache\/ecommir\/serve unless --cache-dir is given/);
  // Such a key fetches the images it sent (test/feedback/reviewer-keys.test.ts); the help said 403.
  assert.match(text, /fetches only the stored images it sent itself \(another's is 404\), and gets 403 on GET \/v1\/review\./);
});

test('train --help says --soup counts with --legacy-head only', async () => {
  const help = await runCli(['train', '--help']);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout.replace(/\s+/g, ' '), /--soup <mode> with --legacy-head: which checkpoint combination/);
});
