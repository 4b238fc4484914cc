// The read-only feedback store (`feedback stats|export`): it reads a database as it is — never
// creating, migrating, pruning or writing — and reads copies its user may not write to: a read-only
// file, a read-only folder, with or without the WAL. Each of these failed when the commands opened
// the store to write ("not a feedback database (attempt to write a readonly database)").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/feedback/migrations.js';
import { FeedbackStore } from '../../src/feedback/store.js';
import { record } from './records.js';
import { sha256Hex } from '../../src/feedback/image-folder.js';
import { CLI_MAIN, runCli } from '../cli/run-cli.js';

const made: string[] = [];
const tmp = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'ecommir-feedback-ro-'));
  made.push(dir);
  return dir;
};
test.after(() => {
  for (const dir of made) {
    // A read-only folder cannot be emptied by a user who is not root, nor an immutable one by anyone.
    if (frozen) spawnSync('chattr', ['-R', '-i', dir], { stdio: 'ignore' });
    for (const path of walk(dir)) chmodSync(path, statSync(path).isDirectory() ? 0o700 : 0o600);
    rmSync(dir, { recursive: true, force: true });
  }
});

function walk(dir: string): string[] {
  return [dir, ...readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]))];
}


const png = new Uint8Array(readFileSync(new URL('../../examples/screenshots/order.png', import.meta.url)));

/** r1 (labelled) and r2 (not) of intent, s1 of scene with its image (labelled). */
async function fill(store: FeedbackStore): Promise<void> {
  await store.record(record('r1'));
  await store.record(record('r2'));
  await store.record(record('s1', { task: 'scene', turns: [{ role: 'user', text: '<image>', images: [sha256Hex(png)] }] }), [{ bytes: png }]);
  store.correct({ requestId: 'r1', label: '商品材质', keyHash: null });
  store.correct({ requestId: 's1', label: '订单详情页面', keyHash: null });
}

test('a read-only store reads the database as it is, and writes nothing: no migration, no retention, no orphan removal', async () => {
  const path = join(tmp(), 'feedback.db');
  const writer = FeedbackStore.open({ path });
  await fill(writer);
  writer.close();
  // What a running service has just written and not yet recorded; a store opened to write removes it.
  const inFlight = join(`${path}-images`, `${sha256Hex('in flight')}.0123456789ab.tmp`);
  writeFileSync(inFlight, 'in flight');
  const before = readFileSync(path);

  // Every unlabelled sample is past a 0-day limit, and the images past a 1-byte cap: nothing may go.
  const store = FeedbackStore.open({ path, readOnly: true, maxAgeDays: 0.000001, maxImageBytes: 1, now: () => Date.now() + 365 * 86_400_000 });
  try {
    assert.equal(store.readOnly, true);
    assert.equal(store.schemaVersion, SCHEMA_VERSION);
    assert.deepEqual(store.counts('intent'), { stored: 2, labelled: 1, unlabelled: 1 });
    assert.deepEqual(store.labelled().map((p) => [p.requestId, p.correction?.label]), [['r1', '商品材质'], ['s1', '订单详情页面']]);
    assert.match(store.keyHash('some-key')!, /^[0-9a-f]{32}$/, 'the salt is read');
    const readOnly = /cannot .*: the feedback database .*feedback\.db is open read-only/;
    await assert.rejects(store.record(record('r3')), readOnly);
    assert.throws(() => store.correct({ requestId: 'r2', label: '商品材质', keyHash: null }), readOnly);
    assert.throws(() => store.retract('r1'), readOnly);
    assert.throws(() => store.prune(), readOnly);
  } finally {
    store.close();
  }
  assert.ok(readFileSync(path).equals(before), 'the database file is unchanged');
  assert.equal(readFileSync(inFlight, 'utf8'), 'in flight', 'an image being stored is left alone');
  const again = FeedbackStore.open({ path, readOnly: true });
  assert.equal(again.counts('intent').stored, 2, 'nothing was pruned');
  again.close();
});

test('a read-only store refuses a database that would need a migration, saying so, and leaves it at its version', () => {
  const path = join(tmp(), 'old.db');
  const db = new Database(path);
  db.exec(MIGRATIONS[0].sql);
  db.pragma('user_version = 1');
  db.close();
  const before = readFileSync(path);
  assert.throws(
    () => FeedbackStore.open({ path, readOnly: true }),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ECM_ERR_BAD_OPTION');
      assert.match(err.message, /old\.db has schema version 1, older than this ecommir reads \(2\), and needs a migration, which a read-only open does not do/);
      assert.match(err.message, /serve --feedback-db .*old\.db/);
      return true;
    },
  );
  assert.ok(readFileSync(path).equals(before), 'not migrated');

  const newer = join(tmp(), 'newer.db');
  const n = new Database(newer);
  n.exec(MIGRATIONS.map((m) => m.sql).join('\n'));
  n.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  n.close();
  assert.throws(() => FeedbackStore.open({ path: newer, readOnly: true }), /newer\.db has schema version \d+, newer than this ecommir knows .*: upgrade ecommir/);
});

test('a read-only store refuses a file that is not a feedback database, and does not create one', () => {
  const dir = tmp();
  const other = join(dir, 'other.db');
  const db = new Database(other);
  db.exec('CREATE TABLE t (x INTEGER)');
  db.pragma('user_version = 7');
  db.close();
  const before = readFileSync(other);
  const empty = join(dir, 'empty.db');
  writeFileSync(empty, '');
  const text = join(dir, 'notes.txt');
  writeFileSync(text, 'not a database at all, just some words that fill more than a header '.repeat(4));
  for (const [file, why] of [
    [other, /other\.db is not a feedback database \(it has no meta, predictions, corrections table\)/],
    [empty, /empty\.db is not a feedback database \(it has no tables\)/],
    [text, /notes\.txt is not a feedback database \(file is not a database\)/],
    [dir, /is not a feedback database \(it is a folder\)/],
  ] as const) {
    assert.throws(() => FeedbackStore.open({ path: file, readOnly: true }), why);
  }
  assert.throws(() => FeedbackStore.open({ path: join(dir, 'missing.db'), readOnly: true }), /no feedback database at .*missing\.db/);
  assert.ok(readFileSync(other).equals(before));
  assert.equal(statSync(empty).size, 0);
  assert.deepEqual(readdirSync(dir).sort(), ['empty.db', 'notes.txt', 'other.db'], 'no database, image folder or WAL created');
});

// ---------------------------------------------------------------------------------------------
// The commands on read-only copies. Root reads and writes whatever the modes say, so as root the
// command runs as `nobody` (uid 65534) over copies it owns; another user runs it as itself. Where
// `nobody` cannot reach the project (a clone under a private folder: mktemp -d is 0700, as in CI),
// root runs it over copies made immutable (chattr +i), which root cannot write either.

const uid = process.getuid?.();
/** `nobody` must reach the sources. */
const nobodyReachesProject =
  uid === 0 && spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(fileURLToPath(CLI_MAIN))})`], { uid: 65534, gid: 65534, stdio: 'ignore' }).status === 0;
const runner = nobodyReachesProject ? { uid: 65534, gid: 65534 } : undefined;
/** Root without `nobody`: read-only means immutable, where the file system lets root set that. */
const frozen = uid === 0 && !nobodyReachesProject && chattrWorks();
const readOnlyCopies = uid === undefined ? 'no user ids here' : uid === 0 && !runner && !frozen ? 'neither can uid 65534 read the project nor can chattr +i make a copy read-only for root' : false;

function chattrWorks(): boolean {
  const probe = join(mkdtempSync(join(tmpdir(), 'ecommir-chattr-')), 'probe');
  writeFileSync(probe, '');
  const set = spawnSync('chattr', ['+i', probe], { stdio: 'ignore' }).status === 0;
  spawnSync('chattr', ['-i', probe], { stdio: 'ignore' });
  rmSync(join(probe, '..'), { recursive: true, force: true });
  return set;
}

const runCliAs = (args: string[]) => runCli(args, {}, { user: runner });

/** Gives `path` (a file or a whole folder) to the runner, with the mode given for folders and files; read-only ones are frozen for root. */
function own(path: string, dirMode: number, fileMode: number): void {
  const paths = statSync(path).isDirectory() ? walk(path) : [path];
  for (const p of paths) {
    if (runner) chownSync(p, runner.uid, runner.gid);
    chmodSync(p, statSync(p).isDirectory() ? dirMode : fileMode);
  }
  // Files before their folder: an immutable folder still lets its files be changed, so each is frozen.
  if (frozen && (fileMode & 0o200) === 0) {
    const files = paths.filter((p) => !statSync(p).isDirectory());
    const folders = (dirMode & 0o200) === 0 ? paths.filter((p) => statSync(p).isDirectory()) : [];
    const result = spawnSync('chattr', ['+i', ...files, ...folders], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
  }
}

/** A copy of the database `files` (and its image folder) in a new folder `name` under `base`. */
function copyOf(base: string, name: string, source: string, files: string[]): string {
  const dir = join(base, name);
  mkdirSync(dir);
  for (const file of files) copyFileSync(join(source, file), join(dir, file));
  cpSync(join(source, 'feedback.db-images'), join(dir, 'feedback.db-images'), { recursive: true });
  return join(dir, 'feedback.db');
}

test('feedback stats and export read a read-only copy: read-only file, read-only folder, with its WAL', { skip: readOnlyCopies }, async () => {
  const base = tmp();
  chmodSync(base, 0o755);
  const source = join(base, 'source');
  const out = join(base, 'out');
  mkdirSync(out);
  own(out, 0o700, 0o600);

  // Closed cleanly: everything is in feedback.db, no -wal or -shm next to it.
  const writer = FeedbackStore.open({ path: join(source, 'feedback.db') });
  await fill(writer);
  writer.close();
  const readOnlyFile = copyOf(base, 'file', source, ['feedback.db']);
  own(join(base, 'file'), 0o700, 0o400);
  const readOnlyFolder = copyOf(base, 'folder', source, ['feedback.db']);
  own(join(base, 'folder'), 0o500, 0o400);
  const cleanBytes = readFileSync(readOnlyFolder);

  // A copy taken while the service runs: r3 is only in the WAL.
  const live = FeedbackStore.open({ path: join(source, 'feedback.db') });
  try {
    await live.record(record('r3'));
    assert.ok(statSync(join(source, 'feedback.db-wal')).size > 0);
    const withWal = copyOf(base, 'wal', source, ['feedback.db', 'feedback.db-wal', 'feedback.db-shm']);
    own(join(base, 'wal'), 0o500, 0o400);
    const walNoIndex = copyOf(base, 'wal-no-index', source, ['feedback.db', 'feedback.db-wal']);
    own(join(base, 'wal-no-index'), 0o500, 0o400);

    for (const [db, intentStored] of [[readOnlyFile, 2], [readOnlyFolder, 2], [withWal, 3]] as const) {
      const stats = await runCliAs(['feedback', 'stats', '--db', db, '--json']);
      assert.equal(stats.code, 0, `${db}: ${stats.stderr}`);
      const json = JSON.parse(stats.stdout);
      assert.equal(json.schemaVersion, SCHEMA_VERSION);
      assert.deepEqual(json.intent, { stored: intentStored, labelled: 1, unlabelled: intentStored - 1 }, db);
      assert.deepEqual(json.scene, { stored: 1, labelled: 1, unlabelled: 0 }, db);

      const exported = join(out, `${db.split('/').at(-2)}.jsonl`);
      const exportRun = await runCliAs(['feedback', 'export', '--db', db, '--out', exported, '--json']);
      assert.equal(exportRun.code, 0, `${db}: ${exportRun.stderr}`);
      assert.deepEqual(JSON.parse(exportRun.stdout), { out: exported, written: 2, perTask: { scene: 1, intent: 1 }, missingImages: 0 });
      const records = readFileSync(exported, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
      assert.deepEqual(records.map((r) => [r.id, r.label]), [['r1', '商品材质'], ['s1', '订单详情页面']]);
      assert.equal(records[1].image, join(`${db}-images`, sha256Hex(png)));
    }
    assert.ok(readFileSync(readOnlyFolder).equals(cleanBytes));

    // Its WAL holds r3, readable only through an index SQLite cannot create here: said, with what to do.
    const refused = await runCliAs(['feedback', 'stats', '--db', walNoIndex]);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /cannot read the feedback database .*wal-no-index\/feedback\.db: its changes in .*feedback\.db-wal are read through an index .*feedback\.db-shm/);
    assert.match(refused.stderr, /Copy .*feedback\.db and .*feedback\.db-wal together to a folder you can write to/);
    assert.match(refused.stderr, /\[ECM_ERR_BAD_OPTION\]/);
  } finally {
    live.close();
  }
});
