// Reading an input file the user named: a missing file and an unreadable one get their own codes
// (never a bare ENOENT, never a JSON error for a file that is not there), and name the file and
// what it was meant to be.
import { readFile } from 'node:fs/promises';
import { EcommirError } from '../errors.js';

function readError(file: string, what: string, cause: unknown): EcommirError {
  const code = (cause as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new EcommirError('ECM_ERR_FILE_NOT_FOUND', `${what} ${file} does not exist`, { item: { file }, cause });
  }
  const why = code === 'EISDIR' ? 'it is a folder, not a file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (cause as Error).message;
  return new EcommirError('ECM_ERR_FILE_UNREADABLE', `cannot read ${what} ${file}: ${why}`, { item: { file }, cause });
}

/** The text of a file the user named; `what` says what it is for ("the gold file", "the predictions"). */
export async function readInputText(file: string, what = 'the input file'): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (cause) {
    throw readError(file, what, cause);
  }
}
