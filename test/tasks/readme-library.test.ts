// test: long (one of the longest files: scripts/test.ts starts it first, so that it does not end the side-by-side phase alone)
// The README's library example runs as written (its `from 'ecommir'` pointed at the source), from the
// project root as a reader would, and its model scores like a model: a README that drifts from the
// API fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runModuleScript } from '../module-script.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('README: the library example runs and prints what it says', { timeout: 300_000 }, async () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /<!-- library-example[^>]*-->\n```js\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, 'the marked block');
  const out = join(mkdtempSync(join(tmpdir(), 'ecommir-readme-')), 'model');
  const script = block[1].replace("from 'ecommir'", `from ${JSON.stringify(join(root, 'src/index.ts'))}`).replace("'my-intent-model'", JSON.stringify(out));
  const { code, stdout, stderr } = await runModuleScript(script, { timeoutMs: 290_000, cwd: root, maxBuffer: 16 << 20 });
  assert.equal(code, 0, stderr);
  const lines = stdout.trim().split('\n');
  assert.match(lines[0], /^是否会生锈 商品信息咨询-是否会生锈 [01]\.\d\d 3$/);
  assert.match(lines[1], /物流跟踪页面$/);
  const f1 = Number(/^weighted F1 (\d\.\d{3})$/.exec(lines[2])?.[1]);
  assert.ok(f1 > 0.5, `weighted F1 ${f1} on the held-out fifth`);
  assert.ok(readFileSync(join(out, 'model.json')).length > 0, 'the model was saved');
});
