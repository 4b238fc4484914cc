// Where a command writes, checked before any work: a bad --out costs nothing, and a command never
// writes over a file it reads. Each of these once destroyed its input without a word:
// `predict data.jsonl --out data.jsonl`, `feedback export --db f.db --out f.db` (every correction),
// `export sft data/train.jsonl --out data`.
import { lstat, mkdir, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { EcommirError } from '../errors.js';

/** A file the command reads, and what to call it in a message. */
export interface ReadFile {
  path: string;
  what: string;
}

/** The read file that `target` is (the same file, through any link or spelling of its path), if any. */
async function sameFileAs(target: string, reads: readonly ReadFile[]): Promise<ReadFile | undefined> {
  const out = await stat(target).catch(() => undefined);
  if (!out) return undefined; // a file that does not exist yet is nothing the command reads
  for (const read of reads) {
    const info = await stat(read.path).catch(() => undefined);
    if (info && info.dev === out.dev && info.ino === out.ino) return read;
  }
  return undefined;
}

/**
 * An output file: not a folder, in a folder that exists, not one of `reads`. Tells whether it exists
 * (a failed run then says the earlier one's file is left).
 */
export async function checkOutFile(out: string, reads: readonly ReadFile[], example: string): Promise<boolean> {
  const info = await stat(out).catch(() => undefined);
  if (info?.isDirectory()) throw new EcommirError('ECM_ERR_BAD_OPTION', `--out ${out} is a folder; give the file to write, e.g. ${join(out, example)}`);
  const folder = await stat(dirname(out)).catch(() => undefined);
  if (!folder?.isDirectory()) throw new EcommirError('ECM_ERR_BAD_OPTION', `--out ${out}: the folder ${dirname(out)} does not exist`);
  const clash = await sameFileAs(out, reads);
  if (clash) throw new EcommirError('ECM_ERR_BAD_OPTION', `--out ${out} is ${clash.what} this command reads (${clash.path}); writing it would destroy it. Give another file`);
  // A regular file is written beside itself first, then moved (whole-file.ts): `knowledge intent --out /proc/x.jsonl`
  // did the work, then failed naming that temporary file. What is there and no regular file (/dev/stdout, a pipe,
  // a symlink) is written as it is, so its folder needs no room.
  const existing = await lstat(out).catch(() => undefined);
  if (!existing || existing.isFile()) await checkWritable(dirname(out), [], out);
  return info !== undefined;
}

/**
 * An output folder: a folder or nothing yet (it is created), and none of the `files` it gets is one of
 * `reads`.
 */
export async function checkOutFolder(out: string, files: readonly string[], reads: readonly ReadFile[]): Promise<void> {
  // The folders still to make, outermost first; the nearest one that exists must be a folder.
  const missing: string[] = [];
  for (let dir = resolve(out); ; dir = dirname(dir)) {
    const info = await stat(dir).catch(() => undefined);
    if (info) {
      if (!info.isDirectory()) throw new EcommirError('ECM_ERR_BAD_OPTION', `--out ${out}: ${dir} is a file, not a folder`);
      break;
    }
    missing.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  for (const file of files) {
    const clash = await sameFileAs(join(out, file), reads);
    if (clash) throw new EcommirError('ECM_ERR_BAD_OPTION', `--out ${out}: this command writes ${join(out, file)}, which is ${clash.what} it reads (${clash.path}); writing it would destroy it. Choose another folder`);
  }
  await checkWritable(out, missing);
}

/**
 * Whether a file can be made in the folder, found before the work rather than after it: `train --out
 * /proc/x` trained, then spun on the recursive mkdir that libuv never ends there. `out` is the path
 * the user gave, named in the error (the output file, or the folder itself). The folders made
 * for the check (`missing`, outermost first) are removed again; each is made on its own, so a path
 * that cannot be made fails.
 */
async function checkWritable(folder: string, missing: readonly string[], out = folder): Promise<void> {
  const made: string[] = [];
  try {
    for (const dir of missing) {
      await mkdir(dir);
      made.unshift(dir);
    }
    const probe = join(resolve(folder), `.ecommir-write-check-${process.pid}`);
    await writeFile(probe, '');
    await rm(probe);
  } catch (cause) {
    throw new EcommirError('ECM_ERR_BAD_OPTION', `--out ${out} cannot be written: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message} (${(cause as Error).message})`, { cause });
  } finally {
    for (const dir of made) await rmdir(dir).catch(() => {});
  }
}
