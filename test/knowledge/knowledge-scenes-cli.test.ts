import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../cli/run-cli.js';

test('ecommir knowledge scenes: --help, bad options named, a small run writes a loadable data set', async () => {
  const help = await runCli(['knowledge', 'scenes', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--per-label/);
  assert.match(help.stdout, /--seed/);
  const zero = await runCli(['knowledge', 'scenes', '--out', '/tmp/never', '--per-label', '0']);
  assert.equal(zero.code, 2);
  assert.match(zero.stderr, /--per-label must be an integer from 1 to 1000, got "0"/);
  const unknown = await runCli(['knowledge', 'scenes', '--out', '/tmp/never', '--labels', '不存在的页面']);
  assert.equal(unknown.code, 1, 'an unknown label: the input');
  assert.match(unknown.stderr, /not in the scene taxonomy/);
  const dir = await mkdtemp(path.join(tmpdir(), 'ecommir-kn-cli-'));
  try {
    const ok = await runCli(['knowledge', 'scenes', '--out', dir, '--per-label', '1', '--seed', '4', '--labels', '购物车页面,实物拍摄(含售后)', '--json', '--no-progress']);
    assert.equal(ok.code, 0, ok.stderr);
    const summary = JSON.parse(ok.stdout) as { pages: number; rendered: number; dataFile: string };
    assert.equal(summary.pages, 2);
    assert.equal(summary.rendered, 2);
    const records = (await readFile(summary.dataFile, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { task: string; label: string; image: string });
    assert.deepEqual(records.map((r) => [r.task, r.label]), [['scene', '购物车页面'], ['scene', '实物拍摄(含售后)']]);
    const again = JSON.parse((await runCli(['knowledge', 'scenes', '--out', dir, '--per-label', '1', '--seed', '4', '--labels', '购物车页面,实物拍摄(含售后)', '--json', '--no-progress'])).stdout) as { rendered: number };
    assert.equal(again.rendered, 0, 'a rerun resumes: nothing rendered twice');
    // --start extends the set: the earlier pages stay listed (they were dropped from scenes.jsonl without a word).
    const more = JSON.parse((await runCli(['knowledge', 'scenes', '--out', dir, '--per-label', '1', '--start', '1', '--seed', '4', '--labels', '购物车页面', '--json', '--no-progress'])).stdout) as { pages: number; kept: number };
    assert.deepEqual([more.pages, more.kept], [1, 2]);
    const listed = (await readFile(summary.dataFile, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { id: string; label: string });
    assert.equal(listed.length, 3);
    assert.equal(new Set(listed.map((r) => r.id)).size, 3);
    const pagesListed = (await readFile(path.join(dir, 'pages.jsonl'), 'utf8')).trim().split('\n');
    assert.equal(pagesListed.length, 3);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
