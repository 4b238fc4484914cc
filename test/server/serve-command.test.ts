import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
// Model folders with no model in them: the shipped models must not be picked up here.
const noModels = mkdtempSync(join(tmpdir(), 'ecommir-no-models-'));

test('serve refuses a non-loopback host when no API keys are configured', async () => {
  const saved = process.env.ECOMMIR_API_KEYS;
  delete process.env.ECOMMIR_API_KEYS;
  try {
    assert.equal(await main(['serve', '--host', '0.0.0.0', '--port', '0']), 1);
  } finally {
    if (saved !== undefined) process.env.ECOMMIR_API_KEYS = saved;
  }
});

test('serve without models reports not ready, and SIGTERM ends it cleanly', { timeout: 30_000 }, async () => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', "import { main } from './src/cli/main.ts'; process.exitCode = await main(process.argv.slice(1));", 'serve', '--port', '0', '--scene-model', noModels, '--intent-model', noModels],
    { cwd: repoRoot, env: { ...process.env, ECOMMIR_API_KEYS: '' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  const address = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /serving on (http:\/\/\S+)/.exec(stderr);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`serve exited early (${code}): ${stderr}`)));
  });
  const ready = await fetch(`${address}/readyz`);
  assert.equal(ready.status, 503);
  assert.equal(((await ready.json()) as any).error.code, 'ECM_ERR_NO_MODEL');
  const intent = await fetch(`${address}/v1/intent`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ dialogue: [{ role: 'user', text: '怎么用' }] }),
  });
  assert.equal(intent.status, 503, 'no fake fallback: the classify endpoints are not ready either');
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});
