// The feedback database: every prediction the service made (with the sample it was made on) and
// the corrections people send for them. SQLite through better-sqlite3, in WAL mode: a correction
// is committed (written to the WAL by the operating system) before the service answers 201, so a
// crash of the process — even `kill -9` — loses no acknowledged correction. Samples' images are
// files named by their SHA-256 in a private folder next to the database (0700, files 0600).
//
// Retention: unlabelled samples (their text, prediction and images) are deleted once older than
// `maxAgeDays`, and the oldest unlabelled ones go first when the image folder passes
// `maxImageBytes`. Labelled samples — the people's answers, the training data — are kept.
//
// Read-only (`readOnly`, for the commands that only read, on a copy they may not write to): SQLite
// opens the file read-only, and nothing is created, migrated, pruned or written.
import { createHmac, randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database, { type Database as Db } from 'better-sqlite3';
import { EcommirError } from '../errors.js';
import type { RankedLabel, Role, Task } from '../types.js';
import { ImageFolder, sha256Hex } from './image-folder.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
import type { Informativeness } from './uncertainty.js';

export interface FeedbackStoreOptions {
  /** The database file; created (0600) with its folder when missing (unless `readOnly`). */
  path: string;
  /**
   * Open an existing database for reading only: it must exist and have this ecommir's schema (one
   * that would need a migration is refused), and retention does not run.
   */
  readOnly?: boolean;
  /** Unlabelled samples older than this many days are deleted; 0 keeps them. Default 30. */
  maxAgeDays?: number;
  /** Size cap of the image folder, bytes; past it the oldest unlabelled samples go. Default 1 GiB. */
  maxImageBytes?: number;
  /** The clock, ms (tests). */
  now?: () => number;
}

export const DEFAULT_MAX_AGE_DAYS = 30;
export const DEFAULT_MAX_IMAGE_BYTES = 1024 * 1024 * 1024;

export interface StoredTurn {
  role: Role;
  text: string;
  /** SHA-256 of each image of the turn. */
  images: string[];
}

export interface StoredImage {
  hash: string;
  bytes: number;
  dhash?: string;
}

export interface PredictionRecord {
  requestId: string;
  task: Task;
  createdAt: number;
  contentHash: string;
  /** The dialogue (intent) or the one user turn holding the image (scene). */
  turns: StoredTurn[];
  /** The images of the sample in order, already written with `putImages`. */
  images: StoredImage[];
  label: string;
  confidence: number;
  margin: number;
  entropy: number;
  ranked: RankedLabel[];
  modelVersion: string;
  keyHash: string | null;
}

export interface StoredPrediction extends Omit<PredictionRecord, 'images' | 'keyHash'> {
  images: StoredImage[];
  /** The current (newest, not undone) correction. */
  correction?: { label: string; note: string | null; at: number };
}

export interface CorrectionResult {
  id: number;
  task: Task;
  /** The correction this one replaced (kept in the history). */
  replaced?: { label: string; at: number };
}

export interface CorrectionHistoryEntry {
  id: number;
  label: string;
  note: string | null;
  keyHash: string | null;
  at: number;
  retractedAt: number | null;
}

interface PredictionRow {
  request_id: string;
  task: Task;
  created_at: number;
  content_hash: string;
  dialogue: string;
  label: string;
  confidence: number;
  margin: number;
  entropy: number;
  ranked: string;
  model_version: string;
  c_label?: string | null;
  c_note?: string | null;
  c_at?: number | null;
}

export interface PruneReport {
  predictions: number;
  images: number;
  bytes: number;
}

/** Unlabelled: no current correction on this request, nor on another request with the same content. */
const UNLABELLED = `NOT EXISTS (
  SELECT 1 FROM predictions q JOIN corrections c ON c.request_id = q.request_id
  WHERE q.content_hash = p.content_hash AND c.retracted_at IS NULL)`;

export class FeedbackStore {
  readonly path: string;
  readonly images: ImageFolder;
  readonly maxAgeDays: number;
  readonly maxImageBytes: number;
  readonly readOnly: boolean;
  readonly #db: Db;
  readonly #now: () => number;
  /** Missing only in a read-only store of a database no store has written yet. */
  readonly #salt: Buffer | undefined;
  #bytesSincePrune = 0;
  /** Images being stored right now (file written, rows not yet): never pruned. */
  readonly #pending = new Map<string, number>();

  private constructor(options: FeedbackStoreOptions, db: Db) {
    this.path = options.path;
    this.#db = db;
    this.#now = options.now ?? Date.now;
    this.maxAgeDays = options.maxAgeDays ?? DEFAULT_MAX_AGE_DAYS;
    this.maxImageBytes = options.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES;
    this.readOnly = options.readOnly ?? false;
    this.images = new ImageFolder(`${options.path}-images`);
    const salt = db.prepare<[], { value: string }>(`SELECT value FROM meta WHERE key = 'key_salt'`).get();
    if (salt) {
      this.#salt = Buffer.from(salt.value, 'hex');
    } else if (this.readOnly) {
      this.#salt = undefined;
    } else {
      this.#salt = randomBytes(32);
      db.prepare(`INSERT INTO meta (key, value) VALUES ('key_salt', ?)`).run(this.#salt.toString('hex'));
    }
  }

  /** Opens (or creates) the database and brings its schema up to date; or, `readOnly`, opens it as it is. */
  static open(options: FeedbackStoreOptions): FeedbackStore {
    for (const [name, value] of [['maxAgeDays', options.maxAgeDays], ['maxImageBytes', options.maxImageBytes]] as const) {
      if (value !== undefined && !(Number.isFinite(value) && value >= 0)) throw new EcommirError('ECM_ERR_BAD_OPTION', `feedback ${name} must be a number ≥ 0, got ${value}`);
    }
    if (options.readOnly) {
      const db = openReadOnly(options.path);
      try {
        checkSchema(db, options.path);
        return new FeedbackStore(options, db);
      } catch (err) {
        db.close();
        throw err;
      }
    }
    mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 });
    // Created 0600 before SQLite opens it: SQLite gives its -wal and -shm files the same mode.
    closeSync(openSync(options.path, 'a', 0o600));
    let db: Db;
    try {
      db = new Database(options.path, { fileMustExist: true });
      db.pragma('journal_mode = WAL');
      // NORMAL in WAL mode: a commit is in the WAL (the OS's hands) when it returns, which a
      // crash of the process cannot undo; only a power cut may lose the last commits.
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
    } catch (cause) {
      throw new EcommirError('ECM_ERR_BAD_OPTION', `cannot open the feedback database ${options.path}: ${(cause as Error).message}`, { cause });
    }
    try {
      migrate(db, options.path);
      const store = new FeedbackStore(options, db);
      store.images.create();
      store.images.removeOrphans(new Set(db.prepare<[], { hash: string }>('SELECT hash FROM images').pluck().all() as unknown as string[]));
      store.prune();
      return store;
    } catch (err) {
      db.close();
      throw err;
    }
  }

  get schemaVersion(): number {
    return this.#db.pragma('user_version', { simple: true }) as number;
  }

  /** HMAC-SHA-256 of an API key with this database's secret salt: who sent what, never the key. */
  keyHash(key: string | undefined): string | null {
    if (!key) return null;
    if (!this.#salt) throw this.#readOnlyError('hash an API key (the database has no key salt yet)');
    return createHmac('sha256', this.#salt).update(key, 'utf8').digest('hex').slice(0, 32);
  }

  /**
   * Stores one prediction and the sample it was made on: the images' files first (0600, by content
   * hash), then the rows in one transaction. Retention never removes an image being stored.
   */
  async record(rec: Omit<PredictionRecord, 'images'>, images: readonly { bytes: Uint8Array; dhash?: string }[] = []): Promise<void> {
    if (this.readOnly) throw this.#readOnlyError('store a prediction');
    const stored: StoredImage[] = [];
    const hashes: string[] = [];
    try {
      for (const image of images) {
        const hash = sha256Hex(image.bytes);
        hashes.push(hash);
        this.#pending.set(hash, (this.#pending.get(hash) ?? 0) + 1);
        const { written } = await this.images.put(image.bytes);
        if (written) this.#bytesSincePrune += image.bytes.byteLength;
        stored.push({ hash, bytes: image.bytes.byteLength, dhash: image.dhash });
      }
      this.#insert({ ...rec, images: stored });
    } finally {
      for (const hash of hashes) {
        const left = (this.#pending.get(hash) ?? 1) - 1;
        if (left <= 0) this.#pending.delete(hash);
        else this.#pending.set(hash, left);
      }
    }
    if (this.#bytesSincePrune > this.maxImageBytes / 20) this.prune();
  }

  #insert(rec: PredictionRecord): void {
    const upsertImage = this.#db.prepare(
      `INSERT INTO images (hash, bytes, dhash, created_at, last_seen) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (hash) DO UPDATE SET last_seen = excluded.last_seen, dhash = coalesce(images.dhash, excluded.dhash)`,
    );
    const insert = this.#db.prepare(
      `INSERT INTO predictions (request_id, task, created_at, content_hash, dialogue, label, confidence, margin, entropy, ranked, model_version, key_hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const link = this.#db.prepare('INSERT INTO prediction_images (request_id, position, hash) VALUES (?, ?, ?)');
    this.#db.transaction(() => {
      for (const image of rec.images) upsertImage.run(image.hash, image.bytes, image.dhash ?? null, rec.createdAt, rec.createdAt);
      insert.run(
        rec.requestId,
        rec.task,
        rec.createdAt,
        rec.contentHash,
        JSON.stringify(rec.turns),
        rec.label,
        rec.confidence,
        rec.margin,
        rec.entropy,
        JSON.stringify(rec.ranked),
        rec.modelVersion,
        rec.keyHash,
      );
      rec.images.forEach((image, position) => link.run(rec.requestId, position, image.hash));
    })();
  }

  prediction(requestId: string): StoredPrediction | undefined {
    const row = this.#db
      .prepare<[string], PredictionRow>(
        `SELECT p.*, c.label AS c_label, c.note AS c_note, c.created_at AS c_at FROM predictions p
         LEFT JOIN corrections c ON c.id = (SELECT id FROM corrections WHERE request_id = p.request_id AND retracted_at IS NULL ORDER BY id DESC LIMIT 1)
         WHERE p.request_id = ?`,
      )
      .get(requestId);
    return row && this.#fromRow(row);
  }

  /** Whether a request made with this key hash sent the image (by its hash): a client may fetch what it sent. */
  sentWith(imageHash: string, keyHash: string | null): boolean {
    if (keyHash === null) return false;
    return (
      this.#db
        .prepare<[string, string], { one: number }>('SELECT 1 AS one FROM prediction_images pi JOIN predictions p ON p.request_id = pi.request_id WHERE pi.hash = ? AND p.key_hash = ? LIMIT 1')
        .get(imageHash, keyHash) !== undefined
    );
  }

  /**
   * The keyed hash (keyHash) of the API key a stored prediction was made with: null when it was
   * made without a key, undefined when no prediction has that requestId. Who may see it, for a caller.
   */
  ownerOf(requestId: string): string | null | undefined {
    const row = this.#db.prepare<[string], { key_hash: string | null }>('SELECT key_hash FROM predictions WHERE request_id = ?').get(requestId);
    return row?.key_hash;
  }

  /**
   * Records a person's label for a stored prediction. A second correction of the same request
   * replaces the first as the current one; both stay in the history. With `notOverReviewers` (the
   * reviewers' key hashes, null for the keyless operator), a current correction made by one of them is
   * not replaced: 409 ECM_ERR_CONFLICT and nothing stored (a client's correction over a reviewer's label).
   */
  correct(input: { requestId: string; label: string; note?: string; keyHash: string | null; notOverReviewers?: ReadonlySet<string | null> }): CorrectionResult {
    if (this.readOnly) throw this.#readOnlyError('store a correction');
    return this.#db.transaction((): CorrectionResult => {
      const p = this.#db.prepare<[string], { task: Task }>('SELECT task FROM predictions WHERE request_id = ?').get(input.requestId);
      if (!p) throw notStored(input.requestId);
      const previous = this.#db
        .prepare<[string], { label: string; created_at: number; key_hash: string | null }>(
          `SELECT label, created_at, key_hash FROM corrections WHERE request_id = ? AND retracted_at IS NULL ORDER BY id DESC LIMIT 1`,
        )
        .get(input.requestId);
      // Checked in the transaction that inserts, so that no reviewer's label can slip in between.
      if (previous && input.notOverReviewers?.has(previous.key_hash)) {
        throw new EcommirError(
          'ECM_ERR_CONFLICT',
          `a reviewer has labelled request ${JSON.stringify(input.requestId)}, and a reviewer's label stands over a client's: this correction is not taken`,
          { statusCode: 409 },
        );
      }
      const info = this.#db
        .prepare('INSERT INTO corrections (request_id, label, note, key_hash, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(input.requestId, input.label, input.note ?? null, input.keyHash, this.#now());
      return { id: Number(info.lastInsertRowid), task: p.task, replaced: previous && { label: previous.label, at: previous.created_at } };
      // IMMEDIATE: the write lock is taken before the read, so another process sharing the database
      // cannot label between them (a deferred transaction would fail that with SQLITE_BUSY, a 500).
    }).immediate();
  }

  /** Undoes the current correction of a request (kept in the history); the one before it, if any, applies again. With `madeWith`, the latest made with that key. */
  retract(requestId: string, options: { madeWith?: string | null } = {}): { retracted?: string; current?: string } {
    if (this.readOnly) throw this.#readOnlyError('undo a correction');
    return this.#db.transaction(() => {
      if (!this.#db.prepare('SELECT 1 FROM predictions WHERE request_id = ?').get(requestId)) throw notStored(requestId);
      // `madeWith`: only a correction made with that key hash (null: without a key) is undone, so that a
      // client undoes its own labels, never a reviewer's.
      const own = options.madeWith !== undefined;
      const latest = this.#db
        .prepare<unknown[], { id: number; label: string }>(
          `SELECT id, label FROM corrections WHERE request_id = ? AND retracted_at IS NULL${own ? ' AND key_hash IS ?' : ''} ORDER BY id DESC LIMIT 1`,
        )
        .get(...(own ? [requestId, options.madeWith] : [requestId]));
      if (latest) this.#db.prepare('UPDATE corrections SET retracted_at = ? WHERE id = ?').run(this.#now(), latest.id);
      return { retracted: latest?.label, current: this.prediction(requestId)?.correction?.label };
    })();
  }

  history(requestId: string): CorrectionHistoryEntry[] {
    return this.#db
      .prepare<[string], { id: number; label: string; note: string | null; key_hash: string | null; created_at: number; retracted_at: number | null }>(
        'SELECT * FROM corrections WHERE request_id = ? ORDER BY id',
      )
      .all(requestId)
      .map((r) => ({ id: r.id, label: r.label, note: r.note, keyHash: r.key_hash, at: r.created_at, retractedAt: r.retracted_at }));
  }

  /**
   * Unlabelled predictions of a task, least certain first (by margin or entropy), one per content:
   * the pool the review queue picks from. One query for the rows and one for their images.
   */
  unlabelled(task: Task, limit: number, by: Informativeness): StoredPrediction[] {
    return this.#db.transaction(() => this.#fromRows(this.#db.prepare<[Task, number], PredictionRow>(unlabelledQuery('p.*', by)).all(task, limit)))();
  }

  /** The requestIds of `unlabelled`: a cheap read, for a caller that fetches the rows (up to 100,000 characters each) a few at a time. */
  unlabelledIds(task: Task, limit: number, by: Informativeness): string[] {
    return this.#db.prepare<[Task, number], string>(unlabelledQuery('p.request_id', by)).pluck().all(task, limit) as unknown as string[];
  }

  /** The most recently labelled predictions of a task, with their current correction. One query for the rows and one for their images. */
  recentlyLabelled(task: Task, limit: number): StoredPrediction[] {
    const columns = 'p.*, c.label AS c_label, c.note AS c_note, c.created_at AS c_at';
    return this.#db.transaction(() => this.#fromRows(this.#db.prepare<[Task, number], PredictionRow>(recentlyLabelledQuery(columns)).all(task, limit)))();
  }

  /** The requestIds of `recentlyLabelled`, newest correction first. */
  recentlyLabelledIds(task: Task, limit: number): string[] {
    return this.#db.prepare<[Task, number], string>(recentlyLabelledQuery('p.request_id')).pluck().all(task, limit) as unknown as string[];
  }

  counts(task: Task): { stored: number; labelled: number; unlabelled: number } {
    const stored = this.#db.prepare<[Task], number>('SELECT count(*) FROM predictions WHERE task = ?').pluck().get(task) as number;
    const unlabelled = this.#db
      .prepare<[Task], number>(`SELECT count(DISTINCT p.content_hash) FROM predictions p WHERE p.task = ? AND ${UNLABELLED}`)
      .pluck()
      .get(task) as number;
    const labelled = this.#db
      .prepare<[Task], number>(`SELECT count(DISTINCT p.request_id) FROM predictions p JOIN corrections c ON c.request_id = p.request_id WHERE p.task = ? AND c.retracted_at IS NULL`)
      .pluck()
      .get(task) as number;
    return { stored, labelled, unlabelled };
  }

  /** Every prediction with a current correction, oldest correction first. */
  labelled(task?: Task): StoredPrediction[] {
    const rows = this.#db
      .prepare<[string, string], PredictionRow>(
        `SELECT p.*, c.label AS c_label, c.note AS c_note, c.created_at AS c_at FROM corrections c
         JOIN predictions p ON p.request_id = c.request_id
         WHERE c.retracted_at IS NULL AND c.id = (SELECT max(id) FROM corrections WHERE request_id = c.request_id AND retracted_at IS NULL)
           AND (? = '' OR p.task = ?)
         ORDER BY c.id`,
      )
      .all(task ?? '', task ?? '');
    return rows.map((row) => this.#fromRow(row));
  }

  /** Applies the retention limits; run at open, as images accumulate, and on a timer by the service. */
  prune(): PruneReport {
    if (this.readOnly) throw this.#readOnlyError('apply the retention limits');
    const report: PruneReport = { predictions: 0, images: 0, bytes: 0 };
    this.#bytesSincePrune = 0;
    const unlabelledRequest = `NOT EXISTS (SELECT 1 FROM corrections c WHERE c.request_id = p.request_id AND c.retracted_at IS NULL)`;
    this.#db.transaction(() => {
      if (this.maxAgeDays > 0) {
        const before = this.#now() - this.maxAgeDays * 86_400_000;
        report.predictions += this.#db.prepare(`DELETE FROM predictions AS p WHERE p.created_at < ? AND ${unlabelledRequest}`).run(before).changes;
      }
      let total = (this.#db.prepare('SELECT coalesce(sum(bytes), 0) FROM images').pluck().get() as number) ?? 0;
      if (total > this.maxImageBytes) {
        // Oldest unlabelled samples with images first, until the folder fits.
        const victims = this.#db
          .prepare<[], { request_id: string }>(
            `SELECT p.request_id FROM predictions p WHERE ${unlabelledRequest} AND EXISTS (SELECT 1 FROM prediction_images i WHERE i.request_id = p.request_id) ORDER BY p.created_at`,
          )
          .all();
        const remove = this.#db.prepare('DELETE FROM predictions WHERE request_id = ?');
        const freed = this.#db.prepare<[string, string], number>(
          `SELECT coalesce(sum(m.bytes), 0) FROM images m WHERE m.hash IN (SELECT hash FROM prediction_images WHERE request_id = ?)
           AND NOT EXISTS (SELECT 1 FROM prediction_images o WHERE o.hash = m.hash AND o.request_id <> ?)`,
        );
        const chosen: string[] = [];
        for (const v of victims) {
          if (total <= this.maxImageBytes) break;
          chosen.push(v.request_id);
          total -= freed.pluck().get(v.request_id, v.request_id) as number;
        }
        for (const id of chosen) report.predictions += remove.run(id).changes;
      }
    })();
    // Images no prediction refers to any more: rows, then files.
    const orphans = this.#db
      .prepare<[], StoredImage>('SELECT hash, bytes FROM images m WHERE NOT EXISTS (SELECT 1 FROM prediction_images i WHERE i.hash = m.hash)')
      .all()
      .filter((o) => !this.#pending.has(o.hash));
    if (orphans.length > 0) {
      const drop = this.#db.prepare('DELETE FROM images WHERE hash = ?');
      this.#db.transaction(() => orphans.forEach((o) => drop.run(o.hash)))();
      for (const o of orphans) {
        this.images.remove(o.hash);
        report.images++;
        report.bytes += o.bytes;
      }
    }
    return report;
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  /** Said rather than left to SQLite, whose "attempt to write a readonly database" names neither the file nor the cause. */
  #readOnlyError(what: string): EcommirError {
    return new EcommirError('ECM_ERR_BAD_OPTION', `cannot ${what}: the feedback database ${this.path} is open read-only (for reading commands); open it without readOnly to write`);
  }

  /** Rows as predictions, the images of all of them read in one query. */
  #fromRows(rows: readonly PredictionRow[]): StoredPrediction[] {
    if (rows.length === 0) return [];
    const images = new Map<string, StoredImage[]>();
    const linked = this.#db
      .prepare<[string], StoredImage & { request_id: string; dhash: string | null }>(
        `SELECT i.request_id, m.hash, m.bytes, m.dhash FROM prediction_images i JOIN images m ON m.hash = i.hash
         WHERE i.request_id IN (SELECT value FROM json_each(?)) ORDER BY i.request_id, i.position`,
      )
      .all(JSON.stringify(rows.map((r) => r.request_id)));
    for (const m of linked) {
      const list = images.get(m.request_id) ?? [];
      list.push(storedImage(m));
      images.set(m.request_id, list);
    }
    return rows.map((row) => this.#fromRow(row, images.get(row.request_id) ?? []));
  }

  #fromRow(row: PredictionRow, images?: StoredImage[]): StoredPrediction {
    images ??= this.#db
      .prepare<[string], StoredImage & { dhash: string | null }>(
        'SELECT m.hash, m.bytes, m.dhash FROM prediction_images i JOIN images m ON m.hash = i.hash WHERE i.request_id = ? ORDER BY i.position',
      )
      .all(row.request_id)
      .map(storedImage);
    return {
      requestId: row.request_id,
      task: row.task,
      createdAt: row.created_at,
      contentHash: row.content_hash,
      turns: JSON.parse(row.dialogue) as StoredTurn[],
      images,
      label: row.label,
      confidence: row.confidence,
      margin: row.margin,
      entropy: row.entropy,
      ranked: JSON.parse(row.ranked) as RankedLabel[],
      modelVersion: row.model_version,
      ...(row.c_label ? { correction: { label: row.c_label, note: row.c_note ?? null, at: row.c_at ?? 0 } } : {}),
    };
  }
}

function storedImage(m: { hash: string; bytes: number; dhash: string | null | undefined }): StoredImage {
  return { hash: m.hash, bytes: m.bytes, ...(m.dhash ? { dhash: m.dhash } : {}) };
}

/** The review pool: unlabelled predictions of a task (bound 1), one per content (the newest), least certain first, at most (bound 2). */
function unlabelledQuery(columns: string, by: Informativeness): string {
  const order = by === 'margin' ? 'p.margin ASC' : 'p.entropy DESC';
  return `SELECT ${columns} FROM predictions p
    WHERE p.task = ? AND ${UNLABELLED}
      AND p.request_id = (SELECT request_id FROM predictions d WHERE d.content_hash = p.content_hash ORDER BY d.created_at DESC LIMIT 1)
    ORDER BY ${order}, p.created_at DESC LIMIT ?`;
}

/** Predictions of a task (bound 1) with a current correction, newest correction first, at most (bound 2). */
function recentlyLabelledQuery(columns: string): string {
  return `SELECT ${columns} FROM corrections c
    JOIN predictions p ON p.request_id = c.request_id
    WHERE p.task = ? AND c.retracted_at IS NULL
      AND c.id = (SELECT max(id) FROM corrections WHERE request_id = c.request_id AND retracted_at IS NULL)
    ORDER BY c.id DESC LIMIT ?`;
}

function notStored(requestId: string): EcommirError {
  return new EcommirError('ECM_ERR_NOT_FOUND', `no stored prediction has requestId ${JSON.stringify(requestId)} (unknown, or removed by the retention limit)`, { statusCode: 404 });
}

function migrate(db: Db, path: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) throw newerSchema(path, current);
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}

function newerSchema(path: string, version: number): EcommirError {
  return new EcommirError('ECM_ERR_BAD_OPTION', `the feedback database ${path} has schema version ${version}, newer than this ecommir knows (${SCHEMA_VERSION}): upgrade ecommir`);
}

/** The tables every feedback database has (migration 1). */
const FEEDBACK_TABLES = ['meta', 'predictions', 'corrections'];

function notFeedbackDatabase(path: string, why: string): EcommirError {
  return new EcommirError('ECM_ERR_BAD_OPTION', `${path} is not a feedback database (${why}); serve --feedback-db FILE makes one`);
}

/**
 * A read-only connection. A WAL database is read through its index (the -shm file), which SQLite
 * creates next to the database when missing: in a folder it may not write to (a read-only copy of a
 * database closed cleanly) it cannot, and every read failed with "attempt to write a readonly
 * database". Such a database is read from a copy in memory instead, unless its WAL holds changes.
 */
function openReadOnly(path: string): Db {
  try {
    if (statSync(path).isDirectory()) throw notFeedbackDatabase(path, 'it is a folder');
    accessSync(path, constants.R_OK);
  } catch (cause) {
    if (cause instanceof EcommirError) throw cause;
    const err = cause as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new EcommirError('ECM_ERR_BAD_OPTION', `no feedback database at ${path} (serve --feedback-db ${path} creates it)`, { cause });
    throw new EcommirError('ECM_ERR_FILE_UNREADABLE', `cannot read the feedback database ${path} (${err.code ?? err.message}): give this user read access to it`, { cause });
  }
  let db: Db | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return db;
  } catch (cause) {
    db?.close();
    const code = (cause as { code?: string }).code;
    // A -shm that cannot be created, or one copied along read-only or stale: SQLite's READONLY_* and CANTOPEN kinds.
    if (code?.startsWith('SQLITE_READONLY') || code?.startsWith('SQLITE_CANTOPEN')) return openInMemory(path, cause);
    throw notFeedbackDatabase(path, (cause as Error).message);
  }
}

function openInMemory(path: string, cause: unknown): Db {
  const wal = `${path}-wal`;
  let walBytes = 0;
  try {
    walBytes = statSync(wal).size;
  } catch {
    // none: every change is in the database file
  }
  if (walBytes > 0) {
    throw new EcommirError(
      'ECM_ERR_BAD_OPTION',
      `cannot read the feedback database ${path}: its changes in ${wal} are read through an index ${path}-shm, which SQLite could neither open nor create (${(cause as Error).message}). ` +
        `Copy ${path} and ${wal} together to a folder you can write to and read the copy, or give this user write access to ${dirname(path)}`,
      { cause },
    );
  }
  // The whole file in memory: it holds text and numbers (the images are files of their own).
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new EcommirError(
      'ECM_ERR_FILE_UNREADABLE',
      `cannot read the feedback database ${path}: SQLite could not read it in place (${(cause as Error).message}), nor could it be read into memory (${(err as Error).message}); give this user write access to ${dirname(path)}`,
      { cause: err },
    );
  }
  // Bytes 18 and 19 of the header say "WAL" (2), and SQLite refuses to read a WAL database from
  // memory. With no WAL every page is in the file, which reads the same as a rollback-journal
  // database (1): the copy, never the file, says so.
  if (bytes.length >= 100 && bytes[18] === 2 && bytes[19] === 2) bytes.fill(1, 18, 20);
  let db: Db | undefined;
  try {
    db = new Database(bytes, { readonly: true });
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return db;
  } catch (cause) {
    db?.close();
    throw notFeedbackDatabase(path, (cause as Error).message);
  }
}

/** What a read-only store checks instead of migrating: the feedback tables, and the schema version this ecommir reads. */
function checkSchema(db: Db, path: string): void {
  const tables = new Set(db.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as unknown as string[]);
  const missing = FEEDBACK_TABLES.filter((t) => !tables.has(t));
  if (missing.length > 0) throw notFeedbackDatabase(path, tables.size === 0 ? 'it has no tables' : `it has no ${missing.join(', ')} table`);
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) throw newerSchema(path, version);
  if (version < SCHEMA_VERSION) {
    throw new EcommirError(
      'ECM_ERR_BAD_OPTION',
      `the feedback database ${path} has schema version ${version}, older than this ecommir reads (${SCHEMA_VERSION}), and needs a migration, which a read-only open does not do: ` +
        `start the service on it once (serve --feedback-db ${path}, with write access to its folder) to migrate it, then read it again`,
    );
  }
}

/** Size of the database and its WAL on disk, bytes (for /readyz and the CLI). */
export function databaseBytes(path: string): number {
  let total = 0;
  for (const p of [path, `${path}-wal`]) {
    try {
      total += statSync(p).size;
    } catch {
      // not there
    }
  }
  return total;
}
