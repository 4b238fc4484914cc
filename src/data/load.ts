// One entry point for every input file: challenge JSON, or our native JSON / JSONL. The format is
// told per record (a challenge record has an `instruction`), so mixed files also load.
import { stat } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { EcommirError, type ItemRef } from '../errors.js';
import { Taxonomy } from '../labels/taxonomy.js';
import type { Sample } from '../types.js';
import { defaultImagesDir, parseChallengeRecord, readText } from './challenge.js';
import { findDuplicateKey } from './duplicate-keys.js';
import { duplicateKeyError, duplicateKeyRefusals, parseJsonSyntax, stripBom, throwFirstRefusal } from './json-text.js';
import { checkConcurrency, checkLoadedSample } from './loaded-checks.js';
import { parseNativeSample } from './native.js';
import { collectOrThrow, throwingRefused, type LoadOptions, type LoadResult } from './problem.js';

export type InputFormat = 'challenge' | 'native' | 'mixed' | 'empty';

export interface LoadSamplesResult extends LoadResult<Sample> {
  /** Which format the records were in. */
  format: InputFormat;
  file: string;
}

/** Loads challenge or native samples from a .json / .jsonl file. */
export async function loadSamples(path: string, options: LoadOptions = {}): Promise<LoadSamplesResult> {
  const file = resolve(path);
  // Checked before the records: a wrong --images was blamed on the first record's first image.
  if (options.imagesDir) await checkImagesFolder(options.imagesDir);
  const { records, refused, malformed } = readRecordsText(await readText(file), file);
  // Without skipBad a line that is not JSON is the error even when a record before it is bad too: a
  // file that does not read as JSONL is told as such before its records are judged.
  if (!options.skipBad) throwFirstRefusal(malformed);
  const parsed = records.filter((_, index) => !malformed.has(index));
  const challengeCount = parsed.filter(isChallengeRecord).length;
  const format: InputFormat = parsed.length === 0 ? 'empty' : challengeCount === parsed.length ? 'challenge' : challengeCount === 0 ? 'native' : 'mixed';
  const imagesDir = options.imagesDir ? resolve(options.imagesDir) : undefined;
  const challengeImagesDir = imagesDir ?? defaultImagesDir(file);
  const result = await collectOrThrow(
    records,
    options.skipBad ?? false,
    throwingRefused(new Map([...refused, ...malformed]), async (record, index) => {
      const sample = isChallengeRecord(record)
        ? parseChallengeRecord(record, index, { imagesDir: challengeImagesDir, file, checkLabels: options.checkLabels })
        : parseNativeSample(record, index, { imagesDir, baseDir: dirname(file), file, checkLabels: options.checkLabels });
      if (options.checkLabels !== false) checkGoldLabel(sample, options, file);
      await checkLoadedSample(sample, options, file);
      return sample;
    }),
    checkConcurrency(options),
  );
  return { ...result, format, file };
}

async function checkImagesFolder(dir: string): Promise<void> {
  const info = await stat(resolve(dir)).catch(() => undefined);
  if (!info) throw new EcommirError('ECM_ERR_BAD_OPTION', `images folder ${dir} (--images; imagesDir in code) does not exist`);
  if (!info.isDirectory()) throw new EcommirError('ECM_ERR_BAD_OPTION', `images folder ${dir} (--images; imagesDir in code) is a file, not a folder`);
}

/** A gold label outside the task's label set is refused in every format, never scored or trained on. */
function checkGoldLabel(sample: Sample, options: LoadOptions, file: string): void {
  const taxonomy = options.taxonomies?.[sample.task] ?? Taxonomy.default(sample.task);
  const hint = options.taxonomies?.[sample.task] ? '' : ' (for a label set of your own, pass --taxonomy FILE; in code, the taxonomies option)';
  refuseUnknownGoldLabel(sample, taxonomy.labels, taxonomy.source, file, hint);
}

/**
 * Refuses a sample's gold label outside `labels` (the label set named by `of`), unless the sample has
 * candidates (the parser checked it against those). Also for inputs whose label is not scored
 * (`classify dialogue`): a label no model knows says the file is not what it seems.
 */
export function refuseUnknownGoldLabel(sample: Sample, labels: readonly string[], of: string, file?: string, hint = ''): void {
  if (sample.label === undefined || sample.candidates.length > 0 || labels.includes(sample.label)) return;
  throw new EcommirError('ECM_ERR_UNKNOWN_LABEL', `label "${sample.label}" is not one of the ${labels.length} ${sample.task} labels of ${of}${hint}`, {
    item: file === undefined ? { id: sample.id, index: sample.index } : { id: sample.id, index: sample.index, file },
  });
}

/** A challenge record has an `instruction` (the native format never does): how the formats are told apart. */
export function isChallengeRecord(record: unknown): boolean {
  return typeof record === 'object' && record !== null && 'instruction' in record;
}

/** A JSON array, a single JSON object, or JSONL (one object a line; blank lines skipped). */
export function parseRecordsText(text: string, file: string): unknown[] {
  const { records, refused, malformed } = readRecordsText(text, file);
  throwFirstRefusal(malformed);
  throwFirstRefusal(refused);
  return records;
}

export interface RecordsText {
  records: unknown[];
  /** Records that parsed but repeat a key in one object, by index, with the error that names them. */
  refused: Map<number, EcommirError>;
  /**
   * JSONL lines that are not JSON, by index, with the error that names the line; their slot in
   * `records` is undefined, so that the records after them keep the index their line gives them.
   */
  malformed: Map<number, EcommirError>;
}

/**
 * parseRecordsText, except that a bad record is not thrown but returned, so that `--skip-bad` can
 * leave it out and keep the rest: one repeating a key in `refused`, a JSONL line that is not JSON in
 * `malformed` (each line is its own record, and the next one starts on the next line). A JSON array
 * or object that is not valid JSON still fails the whole file: where one record ends and the next
 * begins cannot be told safely once the syntax is broken.
 */
export function readRecordsText(text: string, file: string): RecordsText {
  const body = stripBom(text);
  const first = body.trimStart()[0];
  const looksJsonl = extname(file).toLowerCase() === '.jsonl' || (first === '{' && isJsonlShaped(body));
  if (!looksJsonl) {
    const parsed = parseJsonSyntax(body, file);
    return { records: Array.isArray(parsed) ? parsed : [parsed], refused: duplicateKeyRefusals(body, parsed, file), malformed: new Map() };
  }
  const refused = new Map<number, EcommirError>();
  const malformed = new Map<number, EcommirError>();
  const records: unknown[] = [];
  body.split('\n').forEach((line, lineIndex) => {
    if (line.trim() === '') return;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (cause) {
      const item: ItemRef = { file, index: records.length };
      const id = /"id"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(line);
      if (id) item.id = id[1];
      malformed.set(records.length, new EcommirError('ECM_ERR_BAD_JSON', `line ${lineIndex + 1} is not valid JSON: ${(cause as Error).message}`, { item, cause }));
      records.push(undefined);
      return;
    }
    const duplicate = findDuplicateKey(line);
    if (duplicate) refused.set(records.length, duplicateKeyError({ ...duplicate, line: lineIndex + 1 }, record, file, records.length));
    records.push(record);
  });
  return { records, refused, malformed };
}

/** More than one non-blank line, each starting with `{`: JSONL rather than a pretty-printed object. */
function isJsonlShaped(body: string): boolean {
  const lines = body.split('\n').filter((l) => l.trim() !== '');
  if (lines.length < 2) return false;
  try {
    JSON.parse(body);
    return false;
  } catch {
    return lines.every((l) => l.trimStart().startsWith('{'));
  }
}
