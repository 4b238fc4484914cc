import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const packageVersion = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

test('ecommir --version prints the version of package.json and exits 0', () => {
  // A separate process, so what is checked is what a user sees on stdout.
  const script = "const { main } = await import('./src/cli/main.ts'); process.exitCode = await main(['--version']);";
  const stdout = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  assert.equal(stdout, `${packageVersion}\n`);
});
