// Output files are replaced in one step, so that a run stopped while writing (or a full disk) never
// leaves a file cut short, nor cuts short the one a previous run wrote. Anything else (a symlink,
// /dev/stdout, a pipe) is written to as it is.
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { lstat, rename, rm, writeFile } from 'node:fs/promises';

/** Where to write `path` from: a temporary file beside it, or the path itself when it is no regular file. */
async function stagingPath(path: string): Promise<string> {
  const existing = await lstat(path).catch(() => undefined);
  return existing && !existing.isFile() ? path : `${path}.${process.pid}.tmp`;
}

export async function writeWhole(path: string, text: string): Promise<void> {
  const tmp = await stagingPath(path);
  if (tmp === path) return writeFile(path, text, 'utf8');
  try {
    await writeFile(tmp, text, 'utf8');
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** As writeWhole, for output written piece by piece (`fill` writes to the stream and waits for drains). */
export async function writeWholeStream<T>(path: string, fill: (stream: WriteStream) => Promise<T>, options: { mode?: number } = {}): Promise<T> {
  const tmp = await stagingPath(path);
  const stream = createWriteStream(tmp, { encoding: 'utf8', mode: options.mode });
  const closed = once(stream, 'close');
  try {
    const result = await fill(stream);
    stream.end();
    await closed;
    if (tmp !== path) await rename(tmp, path);
    return result;
  } catch (err) {
    stream.destroy();
    await closed.catch(() => undefined);
    if (tmp !== path) await rm(tmp, { force: true });
    throw err;
  }
}
