// Shared by the data tests: paths to the dev data and tiny images made on the fly.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

export const DEV_DIR = fileURLToPath(new URL('../../../shared/data/www2025-mir/', import.meta.url));
export const DEV_JSON = join(DEV_DIR, 'train.json');
export const DEV_IMAGES = join(DEV_DIR, 'images');
export const FIXTURES = fileURLToPath(new URL('../fixtures/data/', import.meta.url));

/** A challenge-format record of the dev file, as written there. */
export interface DevRecord {
  id: string;
  instruction: string;
  output: string;
  image: string[];
}

/** The dev file's records, split by task as the challenge instruction says (intent ones quote a dialogue). */
export async function devRecords(): Promise<{ all: DevRecord[]; scenes: DevRecord[]; intents: DevRecord[] }> {
  const all = JSON.parse(await readFile(DEV_JSON, 'utf8')) as DevRecord[];
  const isIntent = (r: DevRecord) => r.instruction.includes('<用户与客服的对话 START>');
  return { all, scenes: all.filter((r) => !isIntent(r)), intents: all.filter(isIntent) };
}

/** A 4×4 PNG. */
export async function tinyPng(): Promise<Buffer> {
  return sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 200, g: 10, b: 10 } } }).png().toBuffer();
}

const made: string[] = [];
process.once('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A temp folder holding the given files; `png` entries get a real image, `corrupt` ones a cut-off PNG. */
export async function tempDir(files: Record<string, 'png' | 'corrupt' | string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ecommir-data-'));
  made.push(dir);
  const png = await tinyPng();
  for (const [name, kind] of Object.entries(files)) {
    const body = kind === 'png' ? png : kind === 'corrupt' ? png.subarray(0, 20) : kind;
    await writeFile(join(dir, name), body);
  }
  return dir;
}

/** The hand-made three-record challenge file, parsed. */
export async function miniRecords(): Promise<Record<string, unknown>[]> {
  return JSON.parse(await readFile(join(FIXTURES, 'mini-challenge.json'), 'utf8'));
}

/**
 * A shipped screenshot as a JPEG cut in half, whose header still reads (made here rather than
 * committed): what only a full decode finds.
 */
export async function cutJpeg(): Promise<Buffer> {
  const png = await readFile(new URL('../../examples/screenshots/order.png', import.meta.url));
  const jpeg = await sharp(png).jpeg().toBuffer();
  const cut = jpeg.subarray(0, jpeg.length >> 1);
  if (!(await sharp(cut).metadata()).width) throw new Error('the header of the cut JPEG no longer reads');
  return cut;
}

/**
 * Runs a shell command whose output goes into the named pipe `fifo` (it waits there for a reader);
 * resolves once the command has ended. Its exit is awaited from the start, so it is never missed.
 */
export function writeIntoFifo(fifo: string, command: string): Promise<void> {
  const writer = spawn('sh', ['-c', `${command} > '${fifo}'`]);
  return new Promise((resolve) => writer.once('exit', () => resolve()));
}
