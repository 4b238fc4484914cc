// Output files are replaced in one step, so that a run stopped while writing (or a full disk) never
// leaves a file cut short, nor cuts short the one a previous run wrote. Anything else (a symlink,
// /dev/stdout, a pipe) is written to as it is.
import { createWriteStream } from 'node:fs';
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

/** Writes one piece of a streamed output, waiting for the file to take it; rejects with the write error. */
export type WritePiece = (text: string) => Promise<void>;

/** As writeWhole, for output written piece by piece: `fill` calls `write` for each piece, in order. */
export async function writeWholeStream<T>(path: string, fill: (write: WritePiece) => Promise<T>, options: { mode?: number } = {}): Promise<T> {
  const tmp = await stagingPath(path);
  const stream = createWriteStream(tmp, { encoding: 'utf8', mode: options.mode });
  // A write error (a full disk) may come while `fill` is busy elsewhere: the listener keeps it from
  // being an unhandled 'error' event, `stream.errored` holds it for the next write, and a wait for
  // 'drain' ends at 'close' rather than hanging on a stream that will never drain.
  stream.on('error', () => {});
  const closed = new Promise<void>((resolveClose) => stream.once('close', () => resolveClose()));
  const failure = (): Error | undefined => stream.errored ?? (stream.closed ? new Error(`${tmp} was closed while being written`) : undefined);
  const write: WritePiece = async (text) => {
    const before = failure();
    if (before) throw before;
    if (stream.write(text)) return;
    await Promise.race([new Promise<void>((resolveDrain) => stream.once('drain', () => resolveDrain())), closed]);
    const after = failure();
    if (after) throw after;
  };
  try {
    const result = await fill(write);
    if (stream.errored) throw stream.errored;
    stream.end();
    await closed;
    if (stream.errored) throw stream.errored;
    if (tmp !== path) await rename(tmp, path);
    return result;
  } catch (err) {
    stream.destroy();
    await closed;
    if (tmp !== path) await rm(tmp, { force: true });
    throw err;
  }
}
