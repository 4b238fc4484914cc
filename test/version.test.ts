import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../src/cli/main.js';

test('ecommir --version exits 0', async () => {
  assert.equal(await main(['--version']), 0);
});
