// A content hash of everything a measured figure depends on: the data file and images, the knowledge
// (lexicons/, taxonomies/, rules/, knowledge/), the code (src/, package.json but its scripts), the
// installed libraries (package-lock.json), plus a free-form string for the configuration, folds and seeds. A cached result
// keyed by it goes stale the moment any of these changes — no manual cache clearing, no stale rows.
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { compareCodePoints } from './metrics.js';

/** Folders and files of the repository that shape every model's predictions. */
export const KNOWLEDGE_PATHS: readonly string[] = ['lexicons', 'taxonomies', 'rules', 'knowledge'];
export const CODE_PATHS: readonly string[] = ['src', 'package.json', 'package-lock.json'];

export interface Dependencies {
  /**
   * Files or folders, relative to the root (or absolute). A folder counts with every file below it
   * (names and contents); a path that does not exist counts as absent, so creating it changes the hash.
   */
  paths: readonly string[];
  /** Anything else the figure depends on: the configuration JSON, folds, seeds. */
  extra?: string;
}

export interface DependencyHash {
  /** sha256 (hex) over every part. */
  hash: string;
  /** sha256 of each path (or 'absent'), keyed by the path as given: to tell what changed. */
  parts: Record<string, string>;
}

// Never hashed: they are not inputs, and node_modules is covered by package-lock.json.
const SKIPPED = new Set(['node_modules', '.git', '.cache', 'dist']);
// Markdown inside a hashed folder (a knowledge folder's README) is documentation no code reads: editing
// it must not stale a measured figure. A Markdown file named as a path of its own still counts.
const isDocumentation = (name: string) => name.toLowerCase().endsWith('.md');

// One process hashes the same folder for many rows; the contents do not change under a running bench.
const memo = new Map<string, Promise<string>>();

/** Hashes the dependencies; paths are resolved against `root`. */
export async function hashDependencies(root: string, deps: Dependencies): Promise<DependencyHash> {
  const parts: Record<string, string> = {};
  const outer = createHash('sha256');
  for (const path of [...new Set(deps.paths)].sort(compareCodePoints)) {
    const full = resolve(root, path);
    let h = memo.get(full);
    if (!h) memo.set(full, (h = hashPath(full)));
    parts[path] = await h;
    outer.update(`${path}\0${parts[path]}\n`);
  }
  outer.update(`extra\0${deps.extra ?? ''}`);
  return { hash: outer.digest('hex'), parts };
}

/** Forgets memoised folder hashes (tests that edit files between two hashes call this). */
export function clearDependencyHashMemo(): void {
  memo.clear();
}

async function hashPath(full: string): Promise<string> {
  let info;
  try {
    info = await stat(full);
  } catch {
    return 'absent';
  }
  if (info.isFile()) return createHash('sha256').update(await fileContent(full)).digest('hex');
  const h = createHash('sha256');
  for (const file of await listFiles(full)) {
    const bytes = await fileContent(file);
    // Names in '/' form so the hash is the same on every platform.
    h.update(`${relative(full, file).split(sep).join('/')}\0${createHash('sha256').update(bytes).digest('hex')}\n`);
  }
  return h.digest('hex');
}

/**
 * What a file contributes. A package manifest counts without its `scripts`: how the commands are spelled
 * (the test runner's concurrency, a bench alias) computes nothing, while its dependencies and module
 * settings do, and the installed versions are package-lock.json's part.
 */
async function fileContent(full: string): Promise<Buffer> {
  const bytes = await readFile(full);
  if (basename(full) !== 'package.json') return bytes;
  let manifest: unknown;
  try {
    manifest = JSON.parse(bytes.toString('utf8'));
  } catch {
    return bytes;
  }
  if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest)) return bytes;
  const { scripts: _scripts, ...rest } = manifest as Record<string, unknown>;
  return Buffer.from(JSON.stringify(rest));
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => compareCodePoints(a.name, b.name));
  for (const e of entries) {
    if (SKIPPED.has(e.name)) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else if (e.isFile() && !isDocumentation(e.name)) out.push(p);
  }
  return out;
}
