// JSON parsing with an error that says where: line, column and, for a top-level array, which
// record (and its id when it can be read) the parser stopped in; the error's item names the record. V8 gives a position for most
// syntax errors but none for a truncated file, which is the common case for a broken download. Valid
// JSON that repeats a key in one object is refused too (see duplicate-keys.ts).
import { EcommirError, type ErrorCode } from '../errors.js';
import { readConfigText } from './read-file.js';
import { describeDuplicateKey, findDuplicateKeys, type DuplicateKey } from './duplicate-keys.js';
import { parse as parseTolerant, type ParseError } from 'jsonc-parser';

export interface JsonErrorLocation {
  offset: number;
  line: number;
  column: number;
  /** 0-based index of the top-level array element the error falls in, when the text is an array. */
  recordIndex?: number;
  /** The `"id"` of that record, when it appears before the error. */
  recordId?: string;
}

export function parseJsonText(text: string, file: string): unknown {
  const value = parseJsonSyntax(text, file);
  throwFirstRefusal(duplicateKeyRefusals(text, value, file));
  return value;
}

/** Throws the first refusal, if any: the readers fill the map in text order, so it is the earliest record's. */
export function throwFirstRefusal(refused: ReadonlyMap<number, EcommirError>): void {
  const [first] = refused.values();
  if (first) throw first;
}

/**
 * parseJsonText for a file the package reads as configuration (a lexicon, a taxonomy, rules,
 * knowledge): a file that is not there, or not a regular file, is said to be so
 * (ECM_ERR_FILE_NOT_FOUND, ECM_ERR_FILE_UNREADABLE); any fault of its JSON becomes one `code` error
 * that says which `what` could not be read, keeping the parser's message and location.
 */
export function readJsonFile(file: string, what: string, code: ErrorCode = 'ECM_ERR_BAD_JSON'): unknown {
  return parseJsonDocument(readConfigText(file, what), file, what, code);
}

/** readJsonFile for text already read; `source` names it. */
export function parseJsonDocument(text: string, source: string, what: string, code: ErrorCode = 'ECM_ERR_BAD_JSON'): unknown {
  try {
    return parseJsonText(text, source);
  } catch (cause) {
    throw new EcommirError(code, `cannot read ${what} ${source}: ${(cause as Error).message}`, { item: { file: source }, cause });
  }
}

/** JSON.parse with the error of parseJsonText, and no check of repeated keys (see duplicateKeyRefusals). */
export function parseJsonSyntax(text: string, file: string): unknown {
  try {
    return JSON.parse(stripBom(text));
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    const where = locateJsonError(stripBom(text), message);
    // JSON here is an array or an object: a CSV, or a text file, given where JSON is read is named as such.
    const hint = /^\s*[[{]/.test(stripBom(text)) ? '' : ' (JSON starts with [ or {: is this a CSV or another kind of file?)';
    throw new EcommirError('ECM_ERR_BAD_JSON', `not valid JSON at line ${where.line}, column ${where.column} (offset ${where.offset}): ${message}${hint}`, {
      item: { file, index: where.recordIndex, id: where.recordId },
      cause,
    });
  }
}

/**
 * An ECM_ERR_BAD_JSON error for each record of `text` (already parsed to `value`) in which an object
 * repeats a key, by the record's index (0 when `text` is not an array, with at most one error), the
 * error naming the record by index and id. A data reader can leave those records out under
 * `--skip-bad` and keep the rest.
 */
export function duplicateKeyRefusals(text: string, value: unknown, file: string): Map<number, EcommirError> {
  const refusals = new Map<number, EcommirError>();
  for (const duplicate of findDuplicateKeys(stripBom(text))) {
    const index = Array.isArray(value) && typeof duplicate.path[0] === 'number' ? duplicate.path[0] : undefined;
    const record: unknown = index === undefined ? value : (value as unknown[])[index];
    refusals.set(index ?? 0, duplicateKeyError(duplicate, record, file, index));
  }
  return refusals;
}

/** The ECM_ERR_BAD_JSON error for a repeated key in `record`, naming it by index and, when it has one, id. */
export function duplicateKeyError(duplicate: DuplicateKey, record: unknown, file: string, index: number | undefined): EcommirError {
  const id = typeof record === 'object' && record !== null && typeof (record as { id?: unknown }).id === 'string' ? (record as { id: string }).id : undefined;
  return new EcommirError('ECM_ERR_BAD_JSON', describeDuplicateKey(duplicate), { item: { file, index, id } });
}

export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Where a JSON text first goes wrong, by jsonc-parser (VS Code's), strict: no comments, no trailing commas. */
function firstSyntaxErrorOffset(text: string): number | undefined {
  const errors: ParseError[] = [];
  parseTolerant(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  return errors[0]?.offset;
}

export function locateJsonError(text: string, message: string): JsonErrorLocation {
  const match = /at position (\d+)/.exec(message);
  // Node 20 gives no position for "Unexpected token": the end of the text was named, far from the
  // fault; the first error of a second, tolerant parser is the place.
  const offset = match ? Math.min(Number(match[1]), text.length) : /Unexpected end/.test(message) ? text.length : (firstSyntaxErrorOffset(text) ?? text.length);
  const before = text.slice(0, offset);
  const line = (before.match(/\n/g)?.length ?? 0) + 1;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  const location: JsonErrorLocation = { offset, line, column };
  // Walk the text up to the error tracking strings and nesting, counting top-level elements.
  let depth = 0;
  let inString = false;
  let escaped = false;
  let element = -1;
  let elementStart = -1;
  const startsWithArray = /^\s*\[/.test(text);
  for (let i = 0; i < offset; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    if (depth === 1 && startsWithArray && c !== ',' && c !== ']' && !/\s/.test(c) && element < 0) {
      element = 0;
      elementStart = i;
    }
    if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 1 && startsWithArray) {
      element++;
      elementStart = i + 1;
    }
  }
  if (startsWithArray && element >= 0) {
    location.recordIndex = element;
    const id = /"id"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(text.slice(elementStart, offset));
    if (id) location.recordId = id[1];
  }
  return location;
}
