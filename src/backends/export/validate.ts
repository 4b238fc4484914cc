// Validators for the fine-tuning formats we write, after each engine's documented schema. They
// return the problems found (empty when valid), each naming the record, so tests and
// `ecommir export --validate` can show all of them at once.
// - ms-swift, custom dataset "messages" format: {"messages": [{"role", "content"}...], "images"?: [...]};
//   an optional system message first, then user/assistant turns alternating, ending with assistant;
//   as many `<image>` tags in the messages as paths in "images".
// - LLaMA-Factory, sharegpt format (data/README.md): the same records, read through the columns and
//   tags of its dataset_info.json entry (formatting "sharegpt"); user turns at odd positions, the
//   system message only first (with a system_tag); the `<image>` count equal to the images.
// - Chinese-CLIP (README, dataset format): `${split}_imgs.tsv` lines `image_id<TAB>urlsafe base64`,
//   `${split}_texts.jsonl` lines {"text_id": int, "text": str, "image_ids": [int]} whose images are
//   in the split's tsv.
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

const IMAGE_TAG = '<image>';

export interface ValidateFilesOption {
  /** Check that each image path exists; relative paths resolve against this folder. */
  imagesBaseDir?: string;
}

function countTags(text: string): number {
  return text.split(IMAGE_TAG).length - 1;
}

function checkImages(images: unknown, tags: number, where: string, options: ValidateFilesOption, problems: string[]): void {
  if (images === undefined) {
    if (tags > 0) problems.push(`${where}: ${tags} <image> tag(s) but no images`);
    return;
  }
  if (!Array.isArray(images) || images.some((p) => typeof p !== 'string' || p === '')) {
    problems.push(`${where}: images must be a list of paths`);
    return;
  }
  if (images.length !== tags) problems.push(`${where}: ${tags} <image> tag(s) for ${images.length} image(s)`);
  if (options.imagesBaseDir !== undefined) {
    for (const p of images as string[]) {
      const full = isAbsolute(p) ? p : join(options.imagesBaseDir, p);
      if (!existsSync(full)) problems.push(`${where}: image ${p} does not exist`);
    }
  }
}

/** One record of ms-swift's messages format. */
export function validateSwiftRecord(record: unknown, where: string, options: ValidateFilesOption = {}): string[] {
  const problems: string[] = [];
  if (!record || typeof record !== 'object' || Array.isArray(record)) return [`${where}: not an object`];
  const r = record as { messages?: unknown; images?: unknown };
  if (!Array.isArray(r.messages) || r.messages.length === 0) return [`${where}: messages must be a non-empty list`];
  let tags = 0;
  let expect: 'user' | 'assistant' = 'user';
  r.messages.forEach((m: unknown, i: number) => {
    const msg = m as { role?: unknown; content?: unknown };
    if (!msg || typeof msg !== 'object') return void problems.push(`${where}: messages[${i}] is not an object`);
    if (typeof msg.content !== 'string') problems.push(`${where}: messages[${i}].content must be a string`);
    else tags += countTags(msg.content);
    if (msg.role === 'system') {
      if (i !== 0) problems.push(`${where}: messages[${i}]: a system message only comes first`);
      return;
    }
    if (msg.role !== expect) problems.push(`${where}: messages[${i}].role is ${JSON.stringify(msg.role)}, expected ${expect}`);
    expect = expect === 'user' ? 'assistant' : 'user';
  });
  const last = r.messages[r.messages.length - 1] as { role?: unknown };
  if (last?.role !== 'assistant') problems.push(`${where}: the last message must be the assistant's (the target)`);
  checkImages(r.images, tags, where, options, problems);
  return problems;
}

/** A swift JSONL file's text. */
export function validateSwiftJsonl(text: string, options: ValidateFilesOption = {}): string[] {
  const problems: string[] = [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) return ['the file has no records'];
  lines.forEach((line, i) => {
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (err) {
      return void problems.push(`line ${i + 1}: not JSON (${(err as Error).message})`);
    }
    problems.push(...validateSwiftRecord(record, `line ${i + 1}`, options));
  });
  return problems;
}

export interface SharegptTags {
  role_tag: string;
  content_tag: string;
  user_tag: string;
  assistant_tag: string;
  system_tag?: string;
}

const SHAREGPT_TAG_DEFAULTS: SharegptTags = { role_tag: 'from', content_tag: 'value', user_tag: 'human', assistant_tag: 'gpt' };
const DATASET_INFO_KEYS = new Set(['file_name', 'hf_hub_url', 'ms_hub_url', 'script_url', 'formatting', 'ranking', 'subset', 'split', 'folder', 'num_samples', 'columns', 'tags']);
const SHAREGPT_COLUMNS = new Set(['messages', 'system', 'tools', 'images', 'videos', 'audios']);
const SHAREGPT_TAG_KEYS = new Set(['role_tag', 'content_tag', 'user_tag', 'assistant_tag', 'observation_tag', 'function_tag', 'system_tag']);

/** One dataset_info.json entry; returns the problems and the resolved columns and tags. */
export function validateDatasetInfoEntry(name: string, entry: unknown): { problems: string[]; columns: Record<string, string>; tags: SharegptTags } {
  const problems: string[] = [];
  const e = (entry ?? {}) as { file_name?: unknown; formatting?: unknown; columns?: Record<string, unknown>; tags?: Record<string, unknown> };
  for (const key of Object.keys(e)) if (!DATASET_INFO_KEYS.has(key)) problems.push(`${name}: unknown key ${key}`);
  if (typeof e.file_name !== 'string' || e.file_name === '') problems.push(`${name}: file_name must be a file name`);
  if (e.formatting !== 'sharegpt') problems.push(`${name}: formatting must be "sharegpt", got ${JSON.stringify(e.formatting)}`);
  const columns: Record<string, string> = { messages: 'conversations' };
  for (const [key, value] of Object.entries(e.columns ?? {})) {
    if (!SHAREGPT_COLUMNS.has(key)) problems.push(`${name}: columns.${key} is not a sharegpt column`);
    else if (typeof value !== 'string') problems.push(`${name}: columns.${key} must be a string`);
    else columns[key] = value;
  }
  const tags: Record<string, string> = { ...SHAREGPT_TAG_DEFAULTS };
  for (const [key, value] of Object.entries(e.tags ?? {})) {
    if (!SHAREGPT_TAG_KEYS.has(key)) problems.push(`${name}: tags.${key} is not a sharegpt tag`);
    else if (typeof value !== 'string') problems.push(`${name}: tags.${key} must be a string`);
    else tags[key] = value;
  }
  return { problems, columns, tags: tags as unknown as SharegptTags };
}

/** One sharegpt record read through the entry's columns and tags, as LLaMA-Factory's converter does. */
export function validateSharegptRecord(record: unknown, where: string, columns: Record<string, string>, tags: SharegptTags, options: ValidateFilesOption = {}): string[] {
  const problems: string[] = [];
  if (!record || typeof record !== 'object' || Array.isArray(record)) return [`${where}: not an object`];
  const r = record as Record<string, unknown>;
  const messages = r[columns.messages];
  if (!Array.isArray(messages) || messages.length === 0) return [`${where}: ${columns.messages} must be a non-empty list`];
  let turns = messages as Record<string, unknown>[];
  if (tags.system_tag && turns[0]?.[tags.role_tag] === tags.system_tag) turns = turns.slice(1);
  let tagsSeen = 0;
  const count = (m: Record<string, unknown>) => (typeof m?.[tags.content_tag] === 'string' ? countTags(m[tags.content_tag] as string) : 0);
  if (messages.length !== turns.length) tagsSeen += count(messages[0] as Record<string, unknown>);
  if (turns.length === 0 || turns.length % 2 !== 0) problems.push(`${where}: needs user/assistant pairs after the system message, got ${turns.length} message(s)`);
  turns.forEach((m, i) => {
    const expected = i % 2 === 0 ? tags.user_tag : tags.assistant_tag;
    if (m?.[tags.role_tag] !== expected) problems.push(`${where}: message ${i} has ${tags.role_tag} ${JSON.stringify(m?.[tags.role_tag])}, expected ${expected}`);
    if (typeof m?.[tags.content_tag] !== 'string') problems.push(`${where}: message ${i}.${tags.content_tag} must be a string`);
    tagsSeen += count(m);
  });
  checkImages(columns.images ? r[columns.images] : undefined, tagsSeen, where, options, problems);
  return problems;
}

/** A LLaMA-Factory dataset folder: dataset_info.json and every file it names. */
export function validateLlamaFactoryDataset(datasetInfo: unknown, readFile: (name: string) => string | undefined, options: ValidateFilesOption = {}): string[] {
  if (!datasetInfo || typeof datasetInfo !== 'object' || Array.isArray(datasetInfo)) return ['dataset_info.json must be an object of entries'];
  const problems: string[] = [];
  for (const [name, entry] of Object.entries(datasetInfo)) {
    const { problems: entryProblems, columns, tags } = validateDatasetInfoEntry(name, entry);
    problems.push(...entryProblems);
    const fileName = (entry as { file_name?: string }).file_name;
    if (typeof fileName !== 'string') continue;
    const text = readFile(fileName);
    if (text === undefined) {
      problems.push(`${name}: ${fileName} does not exist`);
      continue;
    }
    let records: unknown;
    try {
      records = JSON.parse(text);
    } catch (err) {
      problems.push(`${fileName}: not JSON (${(err as Error).message})`);
      continue;
    }
    if (!Array.isArray(records) || records.length === 0) problems.push(`${fileName}: must be a non-empty JSON array`);
    else records.forEach((r, i) => problems.push(...validateSharegptRecord(r, `${fileName} record ${i}`, columns, tags, options)));
  }
  return problems;
}

const URLSAFE_BASE64 = /^[A-Za-z0-9_-]*={0,2}$/;

/** Image formats PIL opens, by magic number. */
function looksLikeImage(bytes: Buffer): boolean {
  const hex = bytes.subarray(0, 12).toString('hex');
  return hex.startsWith('ffd8ff') || hex.startsWith('89504e47') || hex.startsWith('47494638') || (hex.startsWith('52494646') && bytes.subarray(8, 12).toString('latin1') === 'WEBP') || hex.startsWith('424d');
}

/** A Chinese-CLIP split: `${split}_imgs.tsv` and `${split}_texts.jsonl` texts. */
export function validateClipSplit(imgsTsv: string, textsJsonl: string, split = 'split'): string[] {
  const problems: string[] = [];
  const imageIds = new Set<number>();
  const tsvLines = imgsTsv.split('\n');
  if (tsvLines[tsvLines.length - 1] === '') tsvLines.pop();
  if (tsvLines.length === 0) problems.push(`${split}_imgs.tsv has no images`);
  tsvLines.forEach((line, i) => {
    const where = `${split}_imgs.tsv line ${i + 1}`;
    const fields = line.split('\t');
    if (fields.length !== 2) return void problems.push(`${where}: expected image_id<TAB>base64, got ${fields.length} field(s)`);
    const [id, b64] = fields;
    if (!/^\d+$/.test(id)) problems.push(`${where}: image_id must be an integer, got ${JSON.stringify(id.slice(0, 20))}`);
    else if (imageIds.has(Number(id))) problems.push(`${where}: image_id ${id} repeated`);
    else imageIds.add(Number(id));
    if (!URLSAFE_BASE64.test(b64) || b64.length % 4 !== 0) problems.push(`${where}: not padded urlsafe base64 (Python's base64.urlsafe_b64decode would fail)`);
    else if (!looksLikeImage(Buffer.from(b64.replace(/-/g, '+').replace(/_/g, '/'), 'base64'))) problems.push(`${where}: the bytes are not an image`);
  });
  const textIds = new Set<number>();
  const textLines = textsJsonl.split('\n');
  if (textLines[textLines.length - 1] === '') textLines.pop();
  if (textLines.length === 0) problems.push(`${split}_texts.jsonl has no texts`);
  textLines.forEach((line, i) => {
    const where = `${split}_texts.jsonl line ${i + 1}`;
    let t: { text_id?: unknown; text?: unknown; image_ids?: unknown };
    try {
      t = JSON.parse(line);
    } catch (err) {
      return void problems.push(`${where}: not JSON (${(err as Error).message})`);
    }
    if (!Number.isInteger(t.text_id)) problems.push(`${where}: text_id must be an integer`);
    else if (textIds.has(t.text_id as number)) problems.push(`${where}: text_id ${t.text_id} repeated`);
    else textIds.add(t.text_id as number);
    if (typeof t.text !== 'string' || t.text.trim() === '') problems.push(`${where}: text must be a non-empty string`);
    if (!Array.isArray(t.image_ids) || t.image_ids.length === 0 || !t.image_ids.every(Number.isInteger)) problems.push(`${where}: image_ids must be a non-empty list of integers`);
    else for (const id of t.image_ids as number[]) if (!imageIds.has(id)) problems.push(`${where}: image ${id} is not in ${split}_imgs.tsv`);
  });
  return problems;
}
