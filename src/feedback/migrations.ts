// The feedback database's schema, as numbered migrations. The number reached is SQLite's
// `user_version`; opening a database applies the missing ones in order, each in one transaction
// with its version bump, so a crash leaves the database at a whole version. A database from a
// newer ecommir (a higher user_version) is refused rather than guessed at.

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'predictions, their corrections (with history), settings',
    sql: `
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
      CREATE TABLE predictions (
        request_id    TEXT PRIMARY KEY,
        task          TEXT NOT NULL CHECK (task IN ('scene', 'intent')),
        created_at    INTEGER NOT NULL,           -- ms since the epoch
        content_hash  TEXT NOT NULL,              -- the sample's content (text and image bytes)
        dialogue      TEXT,                       -- JSON [{role, text, images: [sha256]}]
        label         TEXT NOT NULL,              -- the model's answer
        confidence    REAL NOT NULL,
        margin        REAL NOT NULL,              -- p(first) - p(second)
        entropy       REAL NOT NULL,              -- normalised to [0, 1]
        ranked        TEXT NOT NULL,              -- JSON [{label, coarse, confidence}], top labels
        model_version TEXT NOT NULL,
        key_hash      TEXT                        -- HMAC of the caller's API key; NULL without a key
      ) STRICT;
      CREATE INDEX predictions_task_margin ON predictions (task, margin);
      CREATE INDEX predictions_task_entropy ON predictions (task, entropy);
      CREATE INDEX predictions_content ON predictions (content_hash);
      CREATE INDEX predictions_created ON predictions (created_at);
      CREATE TABLE corrections (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        request_id   TEXT NOT NULL REFERENCES predictions (request_id) ON DELETE CASCADE,
        label        TEXT NOT NULL,
        note         TEXT,
        key_hash     TEXT,
        created_at   INTEGER NOT NULL,
        retracted_at INTEGER                      -- undone: the previous correction applies again
      ) STRICT;
      CREATE INDEX corrections_request ON corrections (request_id, id);
    `,
  },
  {
    version: 2,
    description: 'images stored by content hash, with perceptual hashes for near-duplicates',
    sql: `
      CREATE TABLE images (
        hash       TEXT PRIMARY KEY,              -- sha256 of the bytes; the file's name
        bytes      INTEGER NOT NULL,
        dhash      TEXT,                          -- 64-bit difference hash, 16 hex characters
        created_at INTEGER NOT NULL,
        last_seen  INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE prediction_images (
        request_id TEXT NOT NULL REFERENCES predictions (request_id) ON DELETE CASCADE,
        position   INTEGER NOT NULL,
        hash       TEXT NOT NULL REFERENCES images (hash),
        PRIMARY KEY (request_id, position)
      ) STRICT;
      CREATE INDEX prediction_images_hash ON prediction_images (hash);
      CREATE INDEX images_last_seen ON images (last_seen);
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
