// The WWW2025 MIR challenge format: a JSON array of {id, instruction, input, output, image[]}.
// The task, the candidate labels and the dialogue all live inside the instruction's text.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { EcommirError, type ItemRef } from '../errors.js';
import type { ChallengeRecord, ImageRef, Sample, Turn } from '../types.js';
import { foldPunctuation } from './fold.js';
import { IMAGE_MARKER, countImageMarkers, detectTask, parseCandidates, parseDialogue } from './instruction.js';
import { duplicateKeyRefusals, parseJsonSyntax, parseJsonText } from './json-text.js';
import { checkConcurrency, checkLoadedSample } from './loaded-checks.js';
import { collectOrThrow, throwingRefused, type LoadOptions, type LoadResult } from './problem.js';
import { readInputText } from './read-file.js';

export interface ChallengeParseOptions {
  imagesDir?: string;
  /** The file the record came from, for error messages. */
  file?: string;
  /** As LoadOptions.checkLabels: false reads a gold label as written (default true, checked). */
  checkLabels?: boolean;
}

/** Reads a challenge JSON file into samples. See LoadOptions for checkImages, inputLimits and skipBad. */
export async function loadChallengeFile(path: string, options: LoadOptions = {}): Promise<LoadResult<Sample>> {
  const file = resolve(path);
  const text = await readText(file);
  const records = challengeArray(parseJsonSyntax(text, file), file);
  return loadChallengeRecords(records, { ...options, imagesDir: options.imagesDir ?? defaultImagesDir(file) }, file, duplicateKeyRefusals(text, records, file));
}

/**
 * Parses already-read records (each is checked, as from a file). `refused`: records already found
 * bad by index (a repeated key), thrown or, under skipBad, left out like any other bad record.
 */
export async function loadChallengeRecords(
  records: readonly unknown[],
  options: LoadOptions = {},
  file?: string,
  refused: ReadonlyMap<number, EcommirError> = new Map(),
): Promise<LoadResult<Sample>> {
  return collectOrThrow(
    records,
    options.skipBad ?? false,
    throwingRefused(refused, async (record, index) => {
      const sample = parseChallengeRecord(record, index, { imagesDir: options.imagesDir, file, checkLabels: options.checkLabels });
      await checkLoadedSample(sample, options, file);
      return sample;
    }),
    checkConcurrency(options),
  );
}

/** images/ next to the data file when there is one, else the data file's own folder (never the working directory). */
export function defaultImagesDir(file: string): string {
  const candidate = resolve(dirname(file), 'images');
  return existsSync(candidate) ? candidate : resolve(dirname(file));
}

export function parseChallengeText(text: string, file: string): unknown[] {
  return challengeArray(parseJsonText(text, file), file);
}

function challengeArray(parsed: unknown, file: string): unknown[] {
  if (!Array.isArray(parsed)) {
    throw new EcommirError('ECM_ERR_BAD_JSON', 'a challenge file is a JSON array of records', { item: { file } });
  }
  return parsed;
}

/** Checks a record's shape and reads its instruction into a Sample. */
export function parseChallengeRecord(value: unknown, index: number, options: ChallengeParseOptions = {}): Sample {
  const record = checkRecordShape(value, index, options.file);
  const item: ItemRef = { id: record.id, index, file: options.file };
  const task = detectTask(record.instruction, item);
  const candidates = parseCandidates(record.instruction, item);
  const images: ImageRef[] = record.image.map((name) => imageRef(name, options.imagesDir));
  let turns: Turn[];
  if (task === 'intent') {
    const rawTurns = parseDialogue(record.instruction, item);
    if (!rawTurns || rawTurns.length === 0) {
      throw new EcommirError('ECM_ERR_BAD_RECORD', 'an intent instruction must quote a dialogue between <用户与客服的对话 START> and <用户与客服的对话 END>', { item });
    }
    turns = attachImages(rawTurns, images, item);
    // As the native format and the API hold it: with no user turn there is no question to read.
    if (!turns.some((t) => t.role === 'user')) throw new EcommirError('ECM_ERR_BAD_RECORD', 'an intent sample needs a dialogue with at least one user turn', { item });
  } else {
    const markers = countImageMarkers(record.instruction);
    if (markers !== images.length) throw markerMismatch(markers, images.length, item);
    if (images.length === 0) throw new EcommirError('ECM_ERR_BAD_RECORD', 'a scene record needs an image', { item });
    turns = [{ role: 'user', text: Array(images.length).fill(IMAGE_MARKER).join('\n'), images }];
  }
  const sample: Sample = { id: record.id, index, task, candidates, turns, images, raw: record };
  if (record.output.trim() !== '') {
    // Unchecked, a label still takes its candidate's spelling where it is one (full-width punctuation).
    sample.label = options.checkLabels === false ? (candidateSpelling(record.output, candidates) ?? record.output.trim()) : checkGoldLabel(record.output, candidates, item);
  }
  return sample;
}

/** Gives each turn the images its `<image>` markers point at, in order; counts must agree. */
function attachImages(rawTurns: { role: Turn['role']; text: string }[], images: ImageRef[], item: ItemRef): Turn[] {
  const total = rawTurns.reduce((n, t) => n + countImageMarkers(t.text), 0);
  if (total !== images.length) throw markerMismatch(total, images.length, item);
  let next = 0;
  return rawTurns.map((t) => {
    const count = countImageMarkers(t.text);
    const turn: Turn = { role: t.role, text: t.text, images: images.slice(next, next + count) };
    next += count;
    return turn;
  });
}

/** The candidate a gold label names, as the candidate spells it (punctuation width does not count), if any. */
function candidateSpelling(output: string, candidates: string[]): string | undefined {
  const label = output.trim();
  if (candidates.length === 0 || candidates.includes(label)) return label;
  const folded = foldPunctuation(label);
  return candidates.find((c) => foldPunctuation(c) === folded);
}

/** The gold label must be one of the listed candidates. */
function checkGoldLabel(output: string, candidates: string[], item: ItemRef): string {
  const match = candidateSpelling(output, candidates);
  if (match !== undefined) return match;
  throw new EcommirError('ECM_ERR_UNKNOWN_LABEL', `gold label "${output.trim()}" is not among the ${candidates.length} candidate labels of the instruction`, { item });
}

function checkRecordShape(value: unknown, index: number, file?: string): ChallengeRecord {
  const loose = value as Record<string, unknown> | null;
  const id = loose && typeof loose === 'object' && (typeof loose.id === 'string' || typeof loose.id === 'number') ? String(loose.id) : undefined;
  const item: ItemRef = { id, index, file };
  if (!loose || typeof loose !== 'object' || Array.isArray(loose)) {
    throw new EcommirError('ECM_ERR_BAD_RECORD', 'a record must be an object {id, instruction, input, output, image}', { item });
  }
  const wrong: string[] = [];
  if (id === undefined || id === '') wrong.push('id (a non-empty string)');
  if (typeof loose.instruction !== 'string') wrong.push('instruction (a string)');
  if (loose.input !== undefined && typeof loose.input !== 'string') wrong.push('input (a string)');
  if (loose.output !== undefined && typeof loose.output !== 'string') wrong.push('output (a string)');
  if (!Array.isArray(loose.image) || !loose.image.every((n) => typeof n === 'string' && n !== '')) wrong.push('image (a list of file names)');
  if (wrong.length > 0) throw new EcommirError('ECM_ERR_BAD_RECORD', `missing or wrong fields: ${wrong.join(', ')}`, { item });
  return {
    id: id!,
    instruction: loose.instruction as string,
    input: (loose.input as string | undefined) ?? '',
    output: (loose.output as string | undefined) ?? '',
    image: [...(loose.image as string[])],
  };
}

function imageRef(name: string, imagesDir?: string): ImageRef {
  return imagesDir ? { name, path: resolve(imagesDir, name) } : { name };
}

function markerMismatch(markers: number, images: number, item: ItemRef): EcommirError {
  return new EcommirError('ECM_ERR_BAD_RECORD', `the instruction has ${markers} ${IMAGE_MARKER} marker(s) but the record lists ${images} image(s)`, { item });
}

export async function readText(file: string): Promise<string> {
  return readInputText(file, 'the data file');
}
