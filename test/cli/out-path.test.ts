// A command never writes over a file it reads, and an --out it cannot write is refused by name before
// any work (not as an internal error once the work is done). Each refusal here once went through:
// predict and feedback export wrote over their input, export sft over a train.jsonl in its folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FeedbackStore } from '../../src/feedback/store.js';
import { sha256Hex } from '../../src/feedback/image-folder.js';
import { miniRecords, tempDir } from '../data/helpers.js';
import { runCli } from './run-cli.js';
import { checkOutFile, checkOutFolder } from '../../src/cli/out-path.js';

const [, , textOnly] = await miniRecords();
const labelled = { id: 'l1', task: 'intent', dialogue: [{ role: 'user', text: '这个锅会生锈吗' }], label: '是否会生锈' };

function assertBadOption(result: { code: number; stderr: string }, ...names: RegExp[]): void {
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /\[ECM_ERR_BAD_OPTION\]/);
  for (const name of names) assert.match(result.stderr, name);
  assert.doesNotMatch(result.stderr, /internal error|\n\s+at /);
}

test('predict refuses an --out that is its data file, through a link too, and leaves the data as it was', async () => {
  const dir = await tempDir({});
  const data = join(dir, 'data.json');
  const text = JSON.stringify([textOnly]);
  await writeFile(data, text);
  await symlink(data, join(dir, 'link.json'));
  assertBadOption(await runCli(['predict', '--data', data, '--out', data, '--no-progress']), /is the data file this command reads/);
  assertBadOption(await runCli(['predict', '--data', join(dir, 'link.json'), '--out', data, '--no-progress']), /would destroy it/);
  assert.equal(await readFile(data, 'utf8'), text);
  assert.deepEqual((await readdir(dir)).sort(), ['data.json', 'link.json'], 'no log, no output');
});

test('feedback export refuses to write over its database or into a folder, and writes a private file whole', async () => {
  const dir = await tempDir({});
  const db = join(dir, 'feedback.db');
  const store = FeedbackStore.open({ path: db });
  await store.record({
    requestId: 'r1',
    task: 'intent',
    createdAt: Date.now(),
    contentHash: sha256Hex('r1'),
    turns: [{ role: 'user', text: '会生锈吗', images: [] }],
    label: '商品材质',
    confidence: 0.6,
    margin: 0.3,
    entropy: 0.5,
    ranked: [{ label: '商品材质', coarse: '商品信息咨询', confidence: 0.6 }],
    modelVersion: 'v',
    keyHash: null,
  });
  store.correct({ requestId: 'r1', label: '是否会生锈', keyHash: null });
  store.close();

  assertBadOption(await runCli(['feedback', 'export', '--db', db, '--out', db]), /is the feedback database this command reads/);
  assertBadOption(await runCli(['feedback', 'export', '--db', db, '--out', dir]), /is a folder; give the file to write/);
  assertBadOption(await runCli(['feedback', 'export', '--db', db, '--out', join(dir, 'gone', 'x.jsonl')]), /gone does not exist/);
  const stats = await runCli(['feedback', 'stats', '--db', db, '--json']);
  assert.equal(stats.code, 0, stats.stderr);
  assert.equal(JSON.parse(stats.stdout).intent.labelled, 1, 'the correction is still in the database');

  const out = join(dir, 'corrections.jsonl');
  const exported = await runCli(['feedback', 'export', '--db', db, '--out', out]);
  assert.equal(exported.code, 0, exported.stderr);
  assert.equal(JSON.parse(await readFile(out, 'utf8')).label, '是否会生锈');
  assert.equal((await stat(out)).mode & 0o777, 0o600);
  assert.deepEqual((await readdir(dir)).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');
  // No labelled sample of the task asked for: the good export above is kept (it was emptied, exit 0).
  const none = await runCli(['feedback', 'export', '--db', db, '--task', 'scene', '--out', out]);
  assert.equal(none.code, 1, none.stderr);
  assert.match(none.stderr, /nothing to export from the feedback database: it holds no labelled scene sample, and .*corrections\.jsonl is left as it was/);
  assert.equal(JSON.parse(await readFile(out, 'utf8')).label, '是否会生锈');
});

test('export sft and train refuse a folder where they would write over the data file; knowledge intent a folder as --out', async () => {
  const dir = await tempDir({});
  const data = join(dir, 'train.jsonl');
  const text = `${JSON.stringify(labelled)}\n`;
  await writeFile(data, text);
  assertBadOption(await runCli(['export', 'sft', data, '--format', 'swift', '--out', dir, '--no-progress']), /writes .*train\.jsonl, which is the data file it reads/);
  const asModel = join(dir, 'model.json');
  await writeFile(asModel, text);
  assertBadOption(await runCli(['train', 'intent', asModel, '--out', dir, '--no-knowledge']), /writes .*model\.json, which is the data file it reads/);
  assert.equal(await readFile(data, 'utf8'), text);
  assert.equal(await readFile(asModel, 'utf8'), text);
  assertBadOption(await runCli(['knowledge', 'intent', '--out', dir, '--per-label', '1']), /is a folder; give the file to write/);
  assertBadOption(await runCli(['knowledge', 'scenes', '--out', data, '--per-label', '1']), /is a file, not a folder/);
});

test('feedback stats and export refuse a file that is not a feedback database, and leave it as it was', async () => {
  const Database = (await import('better-sqlite3')).default;
  const dir = await tempDir({});
  const other = join(dir, 'other.db');
  const db = new Database(other);
  db.exec('CREATE TABLE t (x INTEGER)');
  db.close();
  const before = await readFile(other);
  const empty = join(dir, 'empty.db');
  await writeFile(empty, '');
  for (const [file, why] of [
    [other, /it has no meta, predictions, corrections table/],
    [empty, /it has no tables/],
    [dir, /it is a folder/],
  ] as const) {
    for (const command of [['feedback', 'stats', '--db', file], ['feedback', 'export', '--db', file, '--out', join(dir, 'out.jsonl')]]) {
      assertBadOption(await runCli(command), /is not a feedback database/, why);
    }
  }
  assert.ok((await readFile(other)).equals(before), 'another SQLite file is not written to (it got the feedback tables)');
  assert.equal((await stat(empty)).size, 0, 'an empty file stays empty (it became a feedback database)');
  const real = join(dir, 'feedback.db');
  FeedbackStore.open({ path: real }).close();
  const stats = await runCli(['feedback', 'stats', '--db', real]);
  assert.equal(stats.code, 0, stats.stderr);
});

test('an output folder that cannot be made is refused before the work; one that can is left as it was found', async () => {
  // /proc takes no new folder, and libuv's recursive mkdir there never returns: train ran to its end, then spun.
  const started = performance.now();
  await assert.rejects(checkOutFolder('/proc/ecommir-out-check/model', [], []), (err: Error & { code?: string }) => err.code === 'ECM_ERR_BAD_OPTION' && /--out \/proc\/ecommir-out-check\/model cannot be written: ENOENT/.test(err.message));
  assert.ok(performance.now() - started < 5000);
  const dir = await tempDir({});
  await checkOutFolder(join(dir, 'a', 'b'), ['model.json'], []);
  assert.deepEqual(await readdir(dir), [], 'the folders made for the check are removed');
});

test('an output file whose folder takes no file is refused before the work, naming the file; one that can be written is left as it was found', async (t) => {
  // knowledge intent --out /proc/x.jsonl made its dialogues, then failed naming its temporary file.
  const result = await runCli(['knowledge', 'intent', '--out', '/proc/ecommir-out-check.jsonl']);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /--out \/proc\/ecommir-out-check\.jsonl cannot be written: ENOENT/);
  assert.doesNotMatch(result.stderr, /\.tmp|\.partial/);
  const dir = await tempDir({});
  assert.equal(await checkOutFile(join(dir, 'out.csv'), [], 'out.csv'), false);
  assert.deepEqual(await readdir(dir), [], 'the probe file is removed');
  // What is there and no regular file (a symlink, /dev/stdout, a pipe) is written as it is: its folder is not probed
  // (a user other than root was refused `--out /dev/stdout`). Here a link in a folder that takes no new file, made
  // immutable (chattr +i), which root cannot write either; for another user, read-only is enough.
  const target = join(dir, 'open');
  await mkdir(target);
  const closed = join(dir, 'closed');
  await mkdir(closed);
  await symlink(join(target, 'dialogues.jsonl'), join(closed, 'out.jsonl'));
  const root = process.getuid?.() === 0;
  const frozen = root ? spawnSync('chattr', ['+i', closed], { stdio: 'ignore' }).status === 0 : (await chmod(closed, 0o555), true);
  if (!frozen) return t.skip('chattr +i does not work here, and root writes any folder');
  try {
    const through = await runCli(['knowledge', 'intent', '--per-label', '1', '--labels', '是否会生锈', '--out', join(closed, 'out.jsonl')]);
    assert.equal(through.code, 0, through.stderr);
    assert.match(await readFile(join(target, 'dialogues.jsonl'), 'utf8'), /是否会生锈/);
  } finally {
    if (root) spawnSync('chattr', ['-i', closed], { stdio: 'ignore' });
  }
});
