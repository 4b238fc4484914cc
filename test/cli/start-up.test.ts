// A command loads its own module only (`--version` and `data inspect` paid about 0.7 s for the
// service, the OCR and the learners), and output piped into a reader that stops early (`| head`)
// ends quietly instead of with an EPIPE stack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { buildProgram } from '../../src/cli/main.js';

const names = async (argv: string[]) => (await buildProgram({ exitCode: 0 }, argv)).commands.map((c) => c.name());

test('the program holds the named command only; the help, help and an unknown name get them all', async () => {
  assert.deepEqual(await names(['eval', '--gold', 'g.json']), ['eval']);
  assert.deepEqual(await names(['knowledge', 'scenes']), ['knowledge']);
  assert.deepEqual(await names(['--version']), []);
  const all = ['data', 'eval', 'predict', 'train', 'classify', 'serve', 'features', 'export', 'knowledge', 'feedback', 'worker'];
  for (const argv of [[], ['--help'], ['help', 'train'], ['predct']]) assert.deepEqual(await names(argv), all, argv.join(' '));
  const knowledge = (await buildProgram({ exitCode: 0 }, ['knowledge'])).commands[0];
  assert.deepEqual(knowledge.commands.map((c) => c.name()), ['intent', 'scenes']);
});

const launcher = new URL('../../bin/ecommir.js', import.meta.url);
const built = existsSync(new URL('../../dist/cli/main.js', import.meta.url));

test('output cut short by its reader ends with exit 0 and no stack', { skip: !built && 'dist/ is not built (npm install builds it)' }, async () => {
  // Megabytes of JSONL to stdout; the reader takes the first chunk and closes the pipe.
  const child = spawn(process.execPath, [launcher.pathname, 'knowledge', 'intent', '--per-label', '100'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /EPIPE|Unhandled/);
});
