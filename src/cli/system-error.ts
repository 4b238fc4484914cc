// A file-system error that reaches the top of a command (a full disk, a folder without write
// permission, a file where a folder should be) is the state of the machine, not a bug of ecommir: it
// is named with its file and what it means, without the stack and the "please report it" of an
// internal error.
const MEANING: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  ENOENT: 'no such file or folder',
  EEXIST: 'a file of that name is in the way',
  EMFILE: 'too many open files (raise ulimit -n)',
  EIO: 'an input/output error of the device',
};

/** The sentence for a system error with a known code, or undefined for any other error. */
export function describeSystemError(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const e = err as NodeJS.ErrnoException & { dest?: string };
  const meaning = typeof e.code === 'string' ? MEANING[e.code] : undefined;
  if (!meaning || typeof e.syscall !== 'string') return undefined;
  const target = e.path ? ` ${e.path}${e.dest ? ` → ${e.dest}` : ''}` : '';
  return `cannot ${e.syscall}${target}: ${meaning} (${e.code})`;
}
