// Writes synthetic scene screenshots as an ordinary data set: images/<id>-<content hash>.png|jpg plus scenes.jsonl
// in the native format ({id, task: 'scene', image, label}), so `train`, `eval` and the feature
// cache read them like any labelled sample. pages.jsonl keeps each page's structured content and
// its text for review and text-only experiments. Resumable: an image already on disk is not
// rendered again, and files are written atomically. An image's file name carries a hash of what it
// is drawn from (the page and the app palettes), so edited knowledge renders anew instead of
// reusing a picture of the old page under the same id.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { EcommirError } from '../errors.js';
import path from 'node:path';
import { Progress } from '../features/progress.js';
import { renderScenePage } from './render-screenshot.js';
import { loadSceneKnowledge, type SceneKnowledge } from './scene-knowledge.js';
import { pageText, synthesizeScenePages, type ScenePage } from './scene-pages.js';

/** Bump when the generator or renderer changes what a (seed, label, index) produces. */
export const SCENE_GENERATOR_VERSION = 2;

export interface WriteScenesOptions {
  outDir: string;
  perLabel: number;
  seed: number;
  labels?: readonly string[];
  /** First index per label (extends a set without changing what exists). */
  start?: number;
  format?: 'png' | 'jpeg';
  progress?: boolean;
  /** The knowledge to render from (default: knowledge/scene/, loaded and checked). */
  knowledge?: SceneKnowledge;
  /**
   * Keep the rows an earlier run wrote to the folder's lists (those of other pages), so that a run with
   * `--start` or other labels extends the set (the command line's use). Off by default: a caller that
   * trains on the lists must see only the pages it asked for.
   */
  keepEarlierRows?: boolean;
  /** Called after each page with its id and whether it was rendered (false: found on disk). */
  onPage?: (page: ScenePage, rendered: boolean) => void;
}

export interface WriteScenesSummary {
  dataFile: string;
  pagesFile: string;
  pages: number;
  rendered: number;
  reused: number;
  /** Rows of earlier runs kept in the lists (with keepEarlierRows). */
  kept: number;
  elapsedMs: number;
  /** Mean render + encode time of the pages rendered in this run. */
  msPerRendered: number;
}

export interface SyntheticSceneRecord {
  id: string;
  task: 'scene';
  image: string;
  label: string;
  synthetic: { generator: string; version: number; seed: number; variant: string; app: string; device: string };
}

export async function writeSyntheticScenes(options: WriteScenesOptions): Promise<WriteScenesSummary> {
  const started = performance.now();
  const knowledge = options.knowledge ?? loadSceneKnowledge();
  const pages = synthesizeScenePages({ seed: options.seed, perLabel: options.perLabel, labels: options.labels, start: options.start, knowledge });
  const imagesDir = path.join(options.outDir, 'images');
  await mkdir(imagesDir, { recursive: true });
  const progress = new Progress({ total: pages.length, label: 'knowledge scenes', enabled: options.progress ?? true });
  const records: SyntheticSceneRecord[] = [];
  let rendered = 0;
  let renderMs = 0;
  for (const page of pages) {
    // The format is part of the page's rendering; find an existing file under either extension.
    const name = `${page.id}-${contentKey(page, knowledge.apps[page.app], options.format)}`;
    let file = await existing(imagesDir, name);
    if (!file) {
      const t = performance.now();
      const image = await renderScenePage(page, { format: options.format, knowledge });
      renderMs += performance.now() - t;
      file = `${name}.${image.format === 'png' ? 'png' : 'jpg'}`;
      await atomicWrite(path.join(imagesDir, file), image.bytes);
      rendered++;
      options.onPage?.(page, true);
    } else options.onPage?.(page, false);
    records.push({
      id: `synthetic-${page.id}`,
      task: 'scene',
      image: `images/${file}`,
      label: page.label,
      synthetic: { generator: 'ecommir knowledge scenes', version: SCENE_GENERATOR_VERSION, seed: page.seed, variant: page.variant, app: page.app, device: `${page.device.width}x${page.device.height}` },
    });
    progress.tick();
  }
  progress.finish();
  const dataFile = path.join(options.outDir, 'scenes.jsonl');
  const pagesFile = path.join(options.outDir, 'pages.jsonl');
  const ids = new Set(records.map((r) => r.id));
  const earlierData = options.keepEarlierRows ? await earlierRows(dataFile, ids) : [];
  const earlierPages = options.keepEarlierRows ? await earlierRows(pagesFile, ids) : [];
  await atomicWrite(dataFile, Buffer.from([...earlierData, ...records.map((r) => JSON.stringify(r))].join('\n') + '\n'));
  await atomicWrite(pagesFile, Buffer.from([...earlierPages, ...pages.map((p) => JSON.stringify({ id: `synthetic-${p.id}`, label: p.label, text: pageText(p), page: p }))].join('\n') + '\n'));
  return { dataFile, pagesFile, pages: pages.length, rendered, reused: pages.length - rendered, kept: earlierData.length, elapsedMs: performance.now() - started, msPerRendered: rendered ? renderMs / rendered : 0 };
}

/** The lines of a list an earlier run wrote whose row is not among this run's ids (none when there is no list). */
async function earlierRows(file: string, ids: ReadonlySet<string>): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw err;
  });
  return text.split('\n').filter((line, i) => {
    if (line.trim() === '') return false;
    let id: unknown;
    try {
      id = (JSON.parse(line) as { id?: unknown }).id;
    } catch {
      throw new EcommirError('ECM_ERR_BAD_JSON', `${file}:${i + 1}: not valid JSON; this list is rewritten from it, so mend or remove the file first`);
    }
    return typeof id !== 'string' || !ids.has(id);
  });
}

/** What a page's picture is drawn from, hashed: the page itself, its app's palette and the asked format. */
function contentKey(page: ScenePage, app: unknown, format: string | undefined): string {
  return createHash('sha256').update(JSON.stringify([page, app ?? null, format ?? null])).digest('hex').slice(0, 12);
}

async function existing(dir: string, id: string): Promise<string | undefined> {
  for (const ext of ['png', 'jpg']) {
    try {
      if ((await stat(path.join(dir, `${id}.${ext}`))).size > 0) return `${id}.${ext}`;
    } catch {
      // not there
    }
  }
  return undefined;
}

async function atomicWrite(file: string, bytes: Buffer): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, file);
}
