// The feedback database: versioned migrations, WAL, private files, corrections with history,
// undo, the keyed hash of the sender, retention by age and by image size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/feedback/migrations.js';
import { FeedbackStore } from '../../src/feedback/store.js';
import { record } from './records.js';
import { sha256Hex } from '../../src/feedback/image-folder.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'ecommir-feedback-'));


test('a new database gets the latest schema in WAL mode, private files', () => {
  const dir = tmp();
  const store = FeedbackStore.open({ path: join(dir, 'sub', 'feedback.db') });
  try {
    assert.equal(store.schemaVersion, SCHEMA_VERSION);
    assert.equal(SCHEMA_VERSION, MIGRATIONS.length);
    const db = new Database(join(dir, 'sub', 'feedback.db'), { readonly: true });
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    db.close();
    assert.equal(statSync(join(dir, 'sub', 'feedback.db')).mode & 0o777, 0o600);
    assert.equal(statSync(store.images.dir).mode & 0o777, 0o700);
  } finally {
    store.close();
  }
});

test('an older database is migrated in place, keeping its rows; a newer one is refused', () => {
  const path = join(tmp(), 'old.db');
  const db = new Database(path);
  db.exec(MIGRATIONS[0].sql);
  db.pragma('user_version = 1');
  db.prepare(
    `INSERT INTO predictions (request_id, task, created_at, content_hash, dialogue, label, confidence, margin, entropy, ranked, model_version)
     VALUES ('old-1', 'intent', ?, 'h', '[]', '气泡', 0.5, 0.1, 0.9, '[]', 'v0')`,
  ).run(Date.now());
  db.close();
  const store = FeedbackStore.open({ path });
  assert.equal(store.schemaVersion, SCHEMA_VERSION);
  assert.equal(store.prediction('old-1')?.label, '气泡');
  store.close();

  const newer = join(tmp(), 'newer.db');
  const n = new Database(newer);
  n.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  n.close();
  assert.throws(() => FeedbackStore.open({ path: newer }), /schema version \d+, newer than this ecommir knows/);
});

test('a second correction replaces the first and keeps history; undo restores the first', async () => {
  const store = FeedbackStore.open({ path: join(tmp(), 'f.db') });
  try {
    await store.record(record('r1'));
    const first = store.correct({ requestId: 'r1', label: '商品材质', keyHash: store.keyHash('reviewer-key-000000') });
    assert.equal(first.replaced, undefined);
    const second = store.correct({ requestId: 'r1', label: '是否易褪色', note: 'looked again', keyHash: null });
    assert.equal(second.replaced?.label, '商品材质');
    assert.equal(store.prediction('r1')?.correction?.label, '是否易褪色');
    assert.deepEqual(store.history('r1').map((h) => h.label), ['商品材质', '是否易褪色']);
    assert.deepEqual(store.retract('r1'), { retracted: '是否易褪色', current: '商品材质' });
    assert.equal(store.prediction('r1')?.correction?.label, '商品材质');
    assert.equal(store.history('r1').length, 2, 'the undone correction stays in the history');
    assert.throws(() => store.correct({ requestId: 'nope', label: 'x', keyHash: null }), /no stored prediction/);
  } finally {
    store.close();
  }
});

test('the sender is stored as a keyed hash, never the key', async () => {
  const path = join(tmp(), 'k.db');
  const key = 'secret-reviewer-key-4242';
  const store = FeedbackStore.open({ path });
  await store.record(record('r1', { keyHash: store.keyHash(key) }));
  store.correct({ requestId: 'r1', label: '商品材质', keyHash: store.keyHash(key) });
  const hash = store.keyHash(key)!;
  assert.match(hash, /^[0-9a-f]{32}$/);
  assert.notEqual(hash, sha256Hex(key).slice(0, 32), 'salted: not the plain SHA-256 of the key');
  store.close();
  const reopened = FeedbackStore.open({ path });
  assert.equal(reopened.keyHash(key), hash, 'the salt is kept in the database');
  reopened.close();
  const other = FeedbackStore.open({ path: join(tmp(), 'other.db') });
  assert.notEqual(other.keyHash(key), hash, 'each database has its own salt');
  other.close();
  for (const file of readdirSync(join(path, '..'))) {
    if (!file.startsWith('k.db')) continue;
    const bytes = statSync(join(path, '..', file)).isFile() ? readFileSync(join(path, '..', file)) : Buffer.alloc(0);
    assert.equal(bytes.includes(Buffer.from(key)), false, `${file} contains the key`);
  }
});

test('images are stored once per content, 0600, and removed with the last sample using them', async () => {
  const store = FeedbackStore.open({ path: join(tmp(), 'i.db'), maxAgeDays: 1 });
  try {
    const png = new Uint8Array(readFileSync(new URL('../../examples/screenshots/order.png', import.meta.url)));
    const hash = sha256Hex(png);
    await store.record(record('s1', { task: 'scene', createdAt: Date.now() - 3 * 86_400_000, turns: [{ role: 'user', text: '<image>', images: [hash] }] }), [{ bytes: png }]);
    await store.record(record('s2', { task: 'scene', createdAt: Date.now() - 2 * 86_400_000, turns: [{ role: 'user', text: '<image>', images: [hash] }] }), [{ bytes: png }]);
    assert.deepEqual(readdirSync(store.images.dir), [hash]);
    assert.equal(statSync(store.images.pathOf(hash)).mode & 0o777, 0o600);
    assert.deepEqual(store.prediction('s1')?.images.map((i) => i.hash), [hash]);
    store.correct({ requestId: 's2', label: '订单详情页面', keyHash: null });
    const pruned = store.prune();
    assert.equal(pruned.predictions, 1, 'the old unlabelled sample goes');
    assert.equal(store.prediction('s1'), undefined);
    assert.ok(store.prediction('s2'), 'the labelled one stays, however old');
    assert.deepEqual(readdirSync(store.images.dir), [hash], 'its image is still used');
    store.retract('s2');
    assert.equal(store.prune().images, 1);
    assert.deepEqual(readdirSync(store.images.dir), []);
  } finally {
    store.close();
  }
});

test('past the image size cap the oldest unlabelled samples go first', async () => {
  const store = FeedbackStore.open({ path: join(tmp(), 'cap.db'), maxAgeDays: 0, maxImageBytes: 2500 });
  try {
    const now = Date.now();
    for (let i = 0; i < 5; i++) {
      const bytes = new Uint8Array(1000).fill(i + 1);
      await store.record(record(`r${i}`, { task: 'scene', createdAt: now + i, turns: [{ role: 'user', text: '<image>', images: [sha256Hex(bytes)] }] }), [{ bytes }]);
      if (i === 0) store.correct({ requestId: 'r0', label: '订单详情页面', keyHash: null });
    }
    store.prune();
    const left = ['r0', 'r1', 'r2', 'r3', 'r4'].filter((id) => store.prediction(id));
    assert.deepEqual(left, ['r0', 'r4'], 'labelled r0 kept; the newest unlabelled that fits kept');
    assert.equal(readdirSync(store.images.dir).length, 2);
  } finally {
    store.close();
  }
});

test('unlabelled and recentlyLabelled read their rows at once and give what prediction() gives for their ids', async () => {
  const store = FeedbackStore.open({ path: join(tmp(), 'feedback.db') });
  try {
    const [a, b, c] = ['img-a', 'img-b', 'img-c'].map((s) => Buffer.from(s));
    await store.record(record('r1', { margin: 0.1, turns: [{ role: 'user', text: 'two images', images: [sha256Hex(b), sha256Hex(a)] }] }), [{ bytes: b, dhash: '00ff00ff00ff00ff' }, { bytes: a }]);
    await store.record(record('r2', { margin: 0.2 }));
    await store.record(record('r3', { margin: 0.3, turns: [{ role: 'user', text: 'one image', images: [sha256Hex(c)] }] }), [{ bytes: c }]);
    await store.record(record('r4', { margin: 0.4 }));
    await store.record(record('r5', { margin: 0.5, task: 'scene' }));
    store.correct({ requestId: 'r3', label: '是否易褪色', note: 'n', keyHash: null });
    store.correct({ requestId: 'r4', label: '是否会生锈', keyHash: null });
    store.correct({ requestId: 'r4', label: '商品材质', keyHash: null });
    store.correct({ requestId: 'r2', label: '商品材质', keyHash: null });
    store.retract('r2');
    for (const by of ['margin', 'entropy'] as const) {
      const ids = store.unlabelledIds('intent', 10, by);
      assert.deepEqual([...ids].sort(), ['r1', 'r2']);
      assert.deepEqual(store.unlabelled('intent', 10, by), ids.map((id) => store.prediction(id)));
    }
    assert.deepEqual(store.unlabelled('intent', 10, 'margin')[0].images.map((i) => i.hash), [sha256Hex(b), sha256Hex(a)]);
    const labelled = store.recentlyLabelledIds('intent', 10);
    assert.deepEqual(labelled, ['r4', 'r3']);
    assert.deepEqual(store.recentlyLabelled('intent', 10), labelled.map((id) => store.prediction(id)));
    assert.equal(store.recentlyLabelled('intent', 10)[0].correction?.label, '商品材质');
    assert.deepEqual(store.recentlyLabelled('intent', 1).map((p) => p.requestId), ['r4']);
    assert.deepEqual(store.unlabelled('scene', 10, 'margin').map((p) => p.requestId), ['r5']);
    assert.deepEqual(store.recentlyLabelled('scene', 10), []);
    // Two statements each, however many rows: not one (or two) per row.
    const prepare = Database.prototype.prepare;
    let statements = 0;
    Database.prototype.prepare = function (this: InstanceType<typeof Database>, ...args: Parameters<typeof prepare>) {
      statements++;
      return prepare.apply(this, args);
    } as typeof prepare;
    try {
      for (const [read, rows] of [[() => store.unlabelled('intent', 10, 'margin'), 2], [() => store.recentlyLabelled('intent', 10), 2]] as const) {
        statements = 0;
        assert.equal(read().length, rows);
        assert.equal(statements, 2);
      }
    } finally {
      Database.prototype.prepare = prepare;
    }
  } finally {
    store.close();
  }
});
