// The command line's exit codes, by what is at fault, so that a script can tell a typo in its own
// command line from a bad record in the data or a missing model without reading the message.
import { CommanderError } from 'commander';
import { EcommirError, type ErrorCode } from '../errors.js';
import { describeSystemError } from './system-error.js';

export const EXIT = {
  ok: 0,
  /** The input: a record, image, file, label or label set at fault; also records skipped by --skip-bad. */
  input: 1,
  /** The command line: an unknown or missing option, a bad option value. */
  usage: 2,
  /** The model: none where one was expected, not fitted, or refused on reload. */
  model: 3,
  /** A failure of ours or of a backend: a timeout, a crash, an error without a code. */
  internal: 4,
} as const;

const MODEL_CODES: ReadonlySet<ErrorCode> = new Set(['ECM_ERR_NO_MODEL', 'ECM_ERR_NOT_FITTED', 'ECM_ERR_MODEL_REJECTED']);
const INTERNAL_CODES: ReadonlySet<ErrorCode> = new Set(['ECM_ERR_BACKEND', 'ECM_ERR_NO_ANSWER', 'ECM_ERR_TIMEOUT']);

/** How an error ends a command: its exit code, and the line for stderr (none when commander has printed its own). */
export function describeFailure(err: unknown): { exitCode: number; message?: string } {
  // --help and --version end with commander's 0.
  if (err instanceof CommanderError) return { exitCode: err.exitCode === 0 ? EXIT.ok : EXIT.usage };
  if (err instanceof EcommirError) return { exitCode: exitCodeOfCode(err.code), message: `${err.message} [${err.code}]` };
  // A file the command cannot read or write (a folder, no permission, a full disk) is the state of
  // the machine: the input's kind of fault, not ours.
  const systemError = describeSystemError(err);
  if (systemError) return { exitCode: EXIT.input, message: systemError };
  return { exitCode: EXIT.internal, message: `internal error (please report it): ${(err as Error)?.stack ?? String(err)}` };
}

function exitCodeOfCode(code: ErrorCode): number {
  if (code === 'ECM_ERR_BAD_OPTION') return EXIT.usage;
  if (MODEL_CODES.has(code)) return EXIT.model;
  if (INTERNAL_CODES.has(code)) return EXIT.internal;
  return EXIT.input;
}

/** The exit code for an error that ends a command. */
export function exitCodeOf(err: unknown): number {
  return describeFailure(err).exitCode;
}

/** The table, for `--help`. */
export const EXIT_CODES_HELP = `
Exit codes:
  0  done
  1  the input: a record, image, file or label at fault (or records skipped with --skip-bad)
  2  the command line: an unknown or missing option, a bad option value
  3  the model: none found, not fitted, or refused
  4  an internal or backend failure (a timeout, a crash)`;
