// Reading an input file the user named: a missing file and an unreadable one get their own codes
// (never a bare ENOENT, never a JSON error for a file that is not there), and name the file and
// what it was meant to be. UTF-8, or UTF-16 told by its byte-order mark.
import { closeSync, constants, fstatSync, openSync, readFileSync, statSync, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { EcommirError } from '../errors.js';

/** The largest data file read, 1 GiB: far past any data file, short of what would exhaust memory. */
export const MAX_INPUT_FILE_BYTES = 1024 * 1024 * 1024;

/** The largest configuration file read (far past any; below the longest string V8 makes, about 512 MiB). */
export const MAX_CONFIG_FILE_BYTES = 256 * 1024 * 1024;

/**
 * The UTF-8 text of a small file the user names that may come through a pipe (a keys file given as
 * `<(vault read …)`, which keeps a secret off the disk): a regular file or a pipe within
 * MAX_CONFIG_FILE_BYTES. A device is refused; errors are the file system's or say what the path is.
 */
export async function readSideText(path: string): Promise<string> {
  const read = await readFileCapped(path, MAX_CONFIG_FILE_BYTES);
  if ('notRegular' in read) throw new Error(`it is ${read.notRegular}, not a file or a pipe`);
  if ('tooLarge' in read) throw new Error(`it holds more than the ${MAX_CONFIG_FILE_BYTES / 1024 / 1024} MiB a configuration file may`);
  return read.toString('utf8');
}

/**
 * Opens a path that must be a regular file, or says what it is instead (`notRegular`: "a pipe", "a
 * device"...), before a byte is read. Opened with O_NONBLOCK: without it, opening a pipe waits for a
 * writer, which may never come (a hung command); and a device such as /dev/zero is never read to its
 * end. A folder is thrown as EISDIR, as reading one would.
 */
export async function openRegularFile(path: string): Promise<{ handle: FileHandle; info: Stats } | { notRegular: string }> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (cause) {
    // A UNIX socket cannot be opened at all.
    if ((cause as NodeJS.ErrnoException).code === 'ENXIO') return { notRegular: 'a socket' };
    throw cause;
  }
  let info: Stats;
  try {
    info = await handle.stat();
  } catch (cause) {
    await handle.close();
    throw cause;
  }
  if (info.isFile()) return { handle, info };
  await handle.close();
  if (info.isDirectory()) throw isFolderError();
  return { notRegular: kindOf(info) };
}

/** What a file that is not a regular file is, in words ("a pipe", "a device"...). */
function kindOf(info: Stats): string {
  return info.isFIFO() ? 'a pipe' : info.isSocket() ? 'a socket' : info.isCharacterDevice() || info.isBlockDevice() ? 'a device' : 'neither a file nor a folder';
}

/**
 * The bytes of a file the package reads as configuration, at once: a rules file, a lexicon, a
 * knowledge file, a CLIP folder's tokenizer. It must be a regular file within MAX_CONFIG_FILE_BYTES: a
 * rules file that was /dev/zero used 16.9 GB and ended the process (std::bad_alloc), and a pipe hung
 * it. Errors are the file system's (ENOENT, EISDIR...) or one that says what the path is instead.
 */
export function readConfigFileSync(path: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENXIO') throw new Error('it is a socket, not a file');
    throw cause;
  }
  try {
    const info = fstatSync(fd);
    if (info.isDirectory()) throw isFolderError();
    if (!info.isFile()) throw new Error(`it is ${kindOf(info)}, not a file`);
    if (info.size > MAX_CONFIG_FILE_BYTES) throw new Error(`it holds ${info.size} bytes, more than the ${MAX_CONFIG_FILE_BYTES / 1024 / 1024} MiB a configuration file may`);
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** readConfigFileSync as UTF-8 text. */
export function readConfigTextSync(path: string): string {
  return readConfigFileSync(path).toString('utf8');
}

/** readConfigTextSync whose failure is readError's: the file, as `what`, not found or unreadable and why. */
export function readConfigText(path: string, what: string): string {
  try {
    return readConfigTextSync(path);
  } catch (cause) {
    throw readError(path, what, cause);
  }
}

function isFolderError(): Error {
  return Object.assign(new Error(`EISDIR: illegal operation on a directory, read`), { code: 'EISDIR' });
}

/** How long a named pipe's open may wait for a writer before the waiting is told (onWaitingForWriter). */
export const PIPE_NOTICE_MS = 1000;

let waitingForWriter: ((path: string) => void) | undefined;

/**
 * Sets who is told that a data file which is a named pipe still has no writer after PIPE_NOTICE_MS:
 * its open waits for one, as `cat` waits, and a command that said nothing looked hung. The CLI prints
 * it (not exported from the package: the library's own readers stay silent, as `cat` is).
 */
export function onWaitingForWriter(notice: ((path: string) => void) | undefined): void {
  waitingForWriter = notice;
}

async function openPipe(path: string): Promise<FileHandle> {
  const notice = waitingForWriter;
  if (!notice) return open(path, 'r');
  const timer = setTimeout(() => notice(path), PIPE_NOTICE_MS);
  try {
    return await open(path, 'r');
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A file's bytes, or `{ tooLarge }` once more than `maxBytes` have been read: the size that stat gives
 * is 0 for a device or a pipe, and readFile would read /dev/zero until memory ran out (18 GB in 30 s).
 * `regularOnly` refuses anything but a regular file before reading (an image is never a pipe).
 * Otherwise a pipe is read to its end (a data file may come as `<(…)`), as `cat` reads it, waiting for
 * a writer (told after a second, see onWaitingForWriter); a device or a socket is refused (/dev/zero
 * took 1.1 GB before it was found too large).
 */
export async function readFileCapped(path: string, maxBytes: number, options: { regularOnly?: boolean } = {}): Promise<Buffer | { tooLarge: true; size?: number } | { notRegular: string }> {
  let handle: FileHandle;
  let info: Stats | undefined;
  if (options.regularOnly) {
    const opened = await openRegularFile(path);
    if ('notRegular' in opened) return opened;
    ({ handle, info } = opened);
  } else {
    // By the path, not by an open: a reader that opens a named pipe and closes it again could make its writer's first write fail.
    const kind = await stat(path);
    if (!kind.isFile() && !kind.isFIFO() && !kind.isDirectory()) return { notRegular: kindOf(kind) };
    handle = kind.isFIFO() ? await openPipe(path) : await open(path, 'r');
  }
  try {
    info ??= await handle.stat();
    if (info.isDirectory()) throw isFolderError();
    if (info.isFile() && info.size > maxBytes) return { tooLarge: true, size: info.size };
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      // A regular file in one piece of its size (and a byte to see that it ended); a pipe or a device a MiB at a time.
      const want = info.isFile() && chunks.length === 0 ? info.size + 1 : 1024 * 1024;
      // Never from the shared pool: an image's bytes may be moved to another thread with their buffer.
      const chunk = Buffer.allocUnsafeSlow(Math.min(want, maxBytes + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
      chunks.push(bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) return { tooLarge: true };
    }
  } finally {
    await handle.close();
  }
}

/**
 * Checks that a folder the user named is there and is a folder, naming it as `what` ("the knowledge
 * folder"): without it, the first file read inside it was named instead, as bad JSON.
 */
export function requireFolderSync(dir: string, what: string): void {
  let info: Stats;
  try {
    info = statSync(dir);
  } catch (cause) {
    if (isMissingPath(cause)) throw new EcommirError('ECM_ERR_FILE_NOT_FOUND', `${what} ${dir} does not exist`, { item: { file: dir }, cause });
    throw new EcommirError('ECM_ERR_FILE_UNREADABLE', `cannot read ${what} ${dir}: ${unreadableReason(cause)}`, { item: { file: dir }, cause });
  }
  if (!info.isDirectory()) throw new EcommirError('ECM_ERR_FILE_UNREADABLE', `${what} ${dir} is ${info.isFile() ? 'a file' : kindOf(info)}, not a folder`, { item: { file: dir } });
}

/** Whether a read failed because the path leads nowhere (named "not found", not "cannot read"). */
export function isMissingPath(cause: unknown): boolean {
  const code = (cause as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Why a path could not be read, in words ("the file is not there", "permission denied"...). */
export function unreadableReason(cause: unknown): string {
  if (isMissingPath(cause)) return 'the file is not there';
  const code = (cause as NodeJS.ErrnoException).code;
  return code === 'EISDIR' ? 'it is a folder, not a file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ELOOP' ? 'its links lead round in a loop' : (cause as Error).message;
}

/** The error for a file the user named that could not be read: not found, or unreadable and why. */
export function readError(file: string, what: string, cause: unknown): EcommirError {
  if (isMissingPath(cause)) return new EcommirError('ECM_ERR_FILE_NOT_FOUND', `${what} ${file} does not exist`, { item: { file }, cause });
  return new EcommirError('ECM_ERR_FILE_UNREADABLE', `cannot read ${what} ${file}: ${unreadableReason(cause)}`, { item: { file }, cause });
}

/** The text of a file the user named; `what` says what it is for ("the gold file", "the predictions"). */
export async function readInputText(file: string, what = 'the input file'): Promise<string> {
  let bytes: Awaited<ReturnType<typeof readFileCapped>>;
  try {
    bytes = await readFileCapped(file, MAX_INPUT_FILE_BYTES);
  } catch (cause) {
    throw readError(file, what, cause);
  }
  if ('notRegular' in bytes) throw new EcommirError('ECM_ERR_FILE_UNREADABLE', `cannot read ${what} ${file}: it is ${bytes.notRegular}; give a file or a pipe`, { item: { file } });
  if (!Buffer.isBuffer(bytes)) {
    throw new EcommirError('ECM_ERR_FILE_UNREADABLE', `cannot read ${what} ${file}: it holds more than ${MAX_INPUT_FILE_BYTES / 1024 / 1024 / 1024} GiB, more than one pass reads; split it into smaller files`, { item: { file } });
  }
  return decodeInputText(bytes, file);
}

/**
 * Text with no UTF-16 mark: UTF-8 when it is valid UTF-8, else GB18030 (GBK's superset), which Excel
 * and most Windows tools in China write with no mark. Read as UTF-8, such a file turned every label
 * into replacement characters: `eval` scored a GBK predictions CSV 0.0000 with no error.
 */
function utf8OrGb18030(bytes: Uint8Array, refuse: (why: string) => EcommirError): string {
  try {
    // ignoreBOM: the UTF-8 mark is kept, for the parsers to strip.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    // not UTF-8: try the Chinese Windows encoding below
  }
  try {
    return new TextDecoder('gb18030', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw Object.assign(refuse('the file is neither UTF-8 nor GBK / GB18030 text'), { cause });
  }
}

/**
 * Bytes of an input file as text: UTF-8 (a UTF-8 byte-order mark is kept, for the parsers to strip),
 * GB18030 when it is not valid UTF-8, or UTF-16 when the bytes start with its byte-order mark (FF FE
 * little-endian, FE FF big-endian), as Windows tools often save JSON. UTF-32 (a mark of FF FE 00 00
 * or 00 00 FE FF) is refused by name.
 */
export function decodeInputText(bytes: Uint8Array, file: string): string {
  const [a, b, c, d] = bytes;
  const refuse = (why: string) => new EcommirError('ECM_ERR_BAD_JSON', `${why}; save the file as UTF-8`, { item: { file } });
  if ((a === 0xff && b === 0xfe && c === 0 && d === 0) || (a === 0 && b === 0 && c === 0xfe && d === 0xff)) throw refuse('the file is UTF-32 text, which is not read');
  const encoding = a === 0xff && b === 0xfe ? 'utf-16le' : a === 0xfe && b === 0xff ? 'utf-16be' : undefined;
  if (!encoding) return utf8OrGb18030(bytes, refuse);
  const name = encoding.toUpperCase();
  if (bytes.byteLength % 2 !== 0) throw refuse(`the file starts with a ${name} byte-order mark but has an odd number of bytes, so it is not ${name} text`);
  try {
    // The mark is dropped by the decoder.
    return new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new EcommirError('ECM_ERR_BAD_JSON', `the file starts with a ${name} byte-order mark but is not valid ${name} text; save the file as UTF-8`, { item: { file }, cause });
  }
}
