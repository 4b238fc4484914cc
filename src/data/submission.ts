// The challenge submission CSV, byte for byte as the official tool writes it with pandas
// `df.to_csv(path, index=False, encoding='utf-8-sig')`: a UTF-8 BOM, header
// `id,instruction,input,output,image,predict`, `\n` line ends (os.linesep on Linux), Python csv's
// QUOTE_MINIMAL (a field is quoted when it holds a comma, a quote or `\n`; quotes doubled; a lone
// `\r` is not quoted, checked against Python 3.11's csv module), and the `image` cell as `str(list)`.
// Also JSON / JSONL with the full Prediction, and readers for both so that eval can read them back.
import { writeWhole } from './whole-file.js';
import { readInputText } from './read-file.js';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { EcommirError } from '../errors.js';
import type { ChallengeRecord, Prediction, Sample } from '../types.js';
import { parseJsonText, stripBom } from './json-text.js';
import { parsePythonList, pythonListRepr } from './python-repr.js';

export const SUBMISSION_COLUMNS = ['id', 'instruction', 'input', 'output', 'image', 'predict'] as const;

export type PredictionFormat = 'csv' | 'json' | 'jsonl';

/** A row of a submission CSV, read back. */
export interface SubmissionRow extends ChallengeRecord {
  predict: string;
}

/** What a submission needs of a prediction: its label, looked up by record id. */
export type PredictionLookup = ReadonlyMap<string, Pick<Prediction, 'label'>> | readonly Pick<Prediction, 'id' | 'label'>[];

/** The submission CSV text, one row per sample in input order. Throws naming the first sample without a prediction. */
export function submissionCsv(samples: readonly Sample[], predictions: PredictionLookup): string {
  const ordered = inSampleOrder(samples, predictions);
  const rows = samples.map((sample, i) => {
    const prediction = ordered[i];
    const record = sample.raw ?? recordOf(sample);
    return [record.id, record.instruction, record.input, record.output, pythonListRepr(record.image), prediction.label];
  });
  return stringify(rows, {
    bom: true,
    header: true,
    columns: [...SUBMISSION_COLUMNS],
    record_delimiter: '\n', // also turns off csv-stringify's quoting of a lone \r, as Python's csv
    quote: '"',
    escape: '"',
  });
}

export async function writeSubmissionCsv(path: string, samples: readonly Sample[], predictions: PredictionLookup): Promise<void> {
  await writeWhole(path, submissionCsv(samples, predictions));
}

/** The full predictions, in sample order, as a JSON array or JSONL. */
export function predictionsText(samples: readonly Sample[], predictions: ReadonlyMap<string, Prediction> | readonly Prediction[], format: 'json' | 'jsonl'): string {
  const ordered = inSampleOrder(samples, predictions);
  return format === 'json' ? JSON.stringify(ordered, null, 2) + '\n' : ordered.map((p) => JSON.stringify(p)).join('\n') + (ordered.length ? '\n' : '');
}

/** Writes predictions in the format asked for (csv: the challenge submission). */
export async function writePredictions(path: string, samples: readonly Sample[], predictions: readonly Prediction[], format: PredictionFormat): Promise<void> {
  const text = format === 'csv' ? submissionCsv(samples, predictions) : predictionsText(samples, predictions, format);
  await writeWhole(path, text);
}

/** The output format a file name implies: .json, .jsonl, else csv. */
export function formatFromPath(path: string): PredictionFormat {
  const lower = path.toLowerCase();
  if (lower.endsWith('.jsonl')) return 'jsonl';
  if (lower.endsWith('.json')) return 'json';
  return 'csv';
}

/** Parses a submission CSV (BOM optional); needs at least the `id` and `predict` columns. */
export function parseSubmissionCsv(text: string, file = 'submission.csv'): SubmissionRow[] {
  let rows: Record<string, string>[];
  try {
    rows = parse(text, { bom: true, columns: headerOnce(file), skip_empty_lines: true, relax_column_count: false });
  } catch (cause) {
    if (cause instanceof EcommirError) throw cause;
    throw new EcommirError('ECM_ERR_BAD_RECORD', `not a readable CSV: ${(cause as Error).message}`, { item: { file }, cause });
  }
  if (rows.length > 0) {
    const missing = ['id', 'predict'].filter((c) => !(c in rows[0]));
    if (missing.length) throw new EcommirError('ECM_ERR_BAD_RECORD', `the CSV has no ${missing.join(', ')} column`, { item: { file } });
  }
  return rows.map((row, index) => ({
    id: row.id,
    instruction: row.instruction ?? '',
    input: row.input ?? '',
    output: row.output ?? '',
    image: row.image ? parsePythonList(row.image, { id: row.id, index, file }) : [],
    predict: row.predict,
  }));
}

/** The header as it is, refused when a name repeats: the row objects would keep only the last column of the name, without a word. */
function headerOnce(file: string): (header: string[]) => string[] {
  return (header) => {
    // Unnamed columns (a spreadsheet's trailing commas) are never read, so they may repeat.
    const repeated = header.find((name, i) => name.trim() !== '' && header.indexOf(name) !== i);
    if (repeated !== undefined) {
      throw new EcommirError('ECM_ERR_BAD_RECORD', `the CSV header names the column ${JSON.stringify(repeated)} twice (columns ${header.indexOf(repeated) + 1} and ${header.indexOf(repeated, header.indexOf(repeated) + 1) + 1}): each column must be named once`, { item: { file } });
    }
    return header;
  };
}

export async function readSubmissionCsv(path: string): Promise<SubmissionRow[]> {
  return parseSubmissionCsv(await readInputText(path, 'the submission file'), path);
}

/**
 * Reads predicted labels by id from a submission CSV, a JSON array of `{id, label}` (full
 * Predictions included) or JSONL; the format is told by the extension, else by the content.
 */
export async function readPredictedLabels(path: string): Promise<Map<string, string>> {
  return predictionsById(await readPredictionList(path), path);
}

/** The predictions keyed by id; a second prediction for an id would silently replace the first, so it is refused. */
export function predictionsById(list: readonly PredictedLabel[], path: string): Map<string, string> {
  const labels = new Map<string, string>();
  const firstAt = new Map<string, number>();
  list.forEach(({ id, label }, index) => {
    const first = firstAt.get(id);
    if (first !== undefined) throw new EcommirError('ECM_ERR_BAD_RECORD', `duplicate id: record #${first} has the same id (one prediction per id)`, { item: { file: path, index, id } });
    firstAt.set(id, index);
    labels.set(id, label);
  });
  return labels;
}

export interface PredictedLabel {
  id: string;
  label: string;
}

/** As readPredictedLabels, in the file's order and with repeated ids kept (predict writes one row per record). */
export async function readPredictionList(path: string): Promise<PredictedLabel[]> {
  const text = stripBom(await readInputText(path, 'the predictions file'));
  const format = formatFromPath(path);
  if (format === 'csv' && !/^\s*[[{]/.test(text)) return parseSubmissionCsv(text, path).map((row) => ({ id: row.id, label: row.predict }));
  const values: unknown[] =
    format === 'jsonl' || (!/^\s*\[/.test(text) && text.trim().includes('\n'))
      ? text
          .split('\n')
          .map((line, i) => ({ line, number: i + 1 })) // numbered before blank lines are dropped: the file's own line numbers
          .filter(({ line }) => line.trim() !== '')
          .map(({ line, number }) => parseJsonText(line, `${path}:${number}`))
      : ([] as unknown[]).concat(parseJsonText(text, path));
  return values.map((value, index) => {
    const p = value as { id?: unknown; label?: unknown; predict?: unknown };
    const label = typeof p?.label === 'string' ? p.label : typeof p?.predict === 'string' ? p.predict : undefined;
    if (!p || (typeof p.id !== 'string' && typeof p.id !== 'number') || label === undefined) {
      throw new EcommirError('ECM_ERR_BAD_RECORD', 'a prediction needs an id and a label', { item: { file: path, index } });
    }
    return { id: String(p.id), label };
  });
}

/**
 * The prediction of each sample, in sample order. An array made for these samples (same length, the
 * same id at each position) is taken as it is, so that two records sharing an id each keep their own
 * prediction; otherwise predictions are looked up by id.
 */
function inSampleOrder<T extends { label: string }>(samples: readonly Sample[], predictions: ReadonlyMap<string, T> | readonly (T & { id: string })[]): T[] {
  if (Array.isArray(predictions)) {
    const list = predictions as readonly (T & { id: string })[];
    if (list.length === samples.length && list.every((p, i) => p.id === samples[i].id)) return [...list];
  }
  const byId: ReadonlyMap<string, T> = Array.isArray(predictions) ? new Map((predictions as readonly (T & { id: string })[]).map((p) => [p.id, p])) : (predictions as ReadonlyMap<string, T>);
  return samples.map((sample) => {
    const prediction = byId.get(sample.id);
    if (!prediction) throw missingPrediction(sample);
    return prediction;
  });
}

/** A challenge-shaped record for a native sample, so that it can still go into a submission. */
function recordOf(sample: Sample): ChallengeRecord {
  return { id: sample.id, instruction: '', input: '', output: sample.label ?? '', image: sample.images.map((r) => r.name) };
}

function missingPrediction(sample: Sample): EcommirError {
  return new EcommirError('ECM_ERR_BAD_RECORD', 'no prediction for this record', { item: { id: sample.id, index: sample.index } });
}
