// Reads and checks the intent knowledge files (knowledge/intent/): a product catalogue, one file
// per label (meaning, boundaries, question forms, categories, agent answers), dialogue context
// (frames and their pieces) and colloquial variation tables. The files are the knowledge; this
// module only gives them types and clear errors.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EcommirError } from '../errors.js';
import type { Role } from '../types.js';
import { parseTemplate } from './template.js';
import { readJsonFile } from '../data/json-text.js';
import { requireFolderSync } from '../data/read-file.js';

/** knowledge/intent/ at the package root, from src/knowledge/ and dist/knowledge/ alike. */
export function defaultIntentKnowledgeDir(): string {
  return fileURLToPath(new URL('../../knowledge/intent/', import.meta.url));
}

export interface ProductCategory {
  id: string;
  name: string;
  products: string[];
  parts: string[];
  materials: string[];
  variants: string[];
  packs: string[];
  specs: string[];
  units: string[];
  sizes?: string[];
}

export interface Catalogue {
  categories: Map<string, ProductCategory>;
  /** Shared slot tables: colors, titleWords, sizes, persons, nums, years. */
  global: Record<string, string[]>;
}

/** A slot table: one list, or lists by category id with `*` as the fallback. */
export type SlotTable = string[] | Record<string, string[]>;

export interface LabelCategory {
  id: string;
  weight: number;
  /** Replaces the category's product list for this label (e.g. only cups for leaking). */
  products?: string[];
}

export type Phase = 'pre' | 'post' | 'any';

export interface LabelKnowledge {
  file: string;
  label: string;
  coarse: string;
  description: string;
  meaning: string;
  boundaries: { with: string; rule: string }[];
  phase: Phase;
  categories: LabelCategory[];
  slots: Record<string, SlotTable>;
  forms: string[];
  answers: string[];
}

export interface Frame {
  id: string;
  weight: number;
  /** `post`: only for after-sales labels (order numbers, complaints). */
  phase?: 'post';
  turns: { role: Role; text: string }[];
}

export interface Variation {
  rates: Record<string, number>;
  openers: string[];
  closers: string[];
  emoji: string[];
  kaomoji: string[];
  english: Record<string, string[]>;
  slang: Record<string, string[]>;
  lookalike: Record<string, string[]>;
  punctuation: { question: string[]; comma: string[]; strip: number };
  leadIns: string[];
  referent: string[];
}

export interface IntentKnowledge {
  dir: string;
  catalogue: Catalogue;
  frames: Frame[];
  /** Context pieces: hello, welcome, wait, cannot-read-image, order, link... */
  contextSlots: Record<string, string[]>;
  variation: Variation;
  /** Same-sound typo candidates per character (generated, see scripts/build-intent-variation.ts). */
  homophones: Record<string, string[]>;
  /** Simplified → traditional character map (generated). */
  traditional: Record<string, string>;
  /** In file-name order. */
  labels: LabelKnowledge[];
}

type Json = Record<string, unknown>;

function readJson(file: string): Json {
  const value = readJsonFile(file, 'knowledge file');
  if (value && typeof value === 'object' && !Array.isArray(value)) return value as Json;
  throw new EcommirError('ECM_ERR_BAD_JSON', `cannot read knowledge file ${file}: the top level must be an object`, { item: { file } });
}

function bad(file: string, why: string): EcommirError {
  return new EcommirError('ECM_ERR_BAD_JSON', `knowledge file ${file}: ${why}`, { item: { file } });
}

function stringList(value: unknown, file: string, where: string, { templates = false, allowEmpty = false } = {}): string[] {
  if (!Array.isArray(value) || (!allowEmpty && value.length === 0) || value.some((v) => typeof v !== 'string')) {
    throw bad(file, `${where} must be a ${allowEmpty ? '' : 'non-empty '}list of strings`);
  }
  if (templates) {
    for (const t of value as string[]) {
      try {
        parseTemplate(t);
      } catch (cause) {
        throw bad(file, `${where}: ${(cause as Error).message}`);
      }
    }
  }
  return value as string[];
}

function stringTable(value: unknown, file: string, where: string): Record<string, string[]> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw bad(file, `${where} must be an object of string lists`);
  return Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, stringList(v, file, `${where}.${k}`, { templates: true })]));
}

function requireAbout(json: Json, file: string): void {
  if (typeof json.about !== 'string' || json.about.trim() === '') throw bad(file, 'needs an "about" field saying how it was written');
}

function loadCatalogue(file: string): Catalogue {
  const json = readJson(file);
  requireAbout(json, file);
  const raw = json.categories;
  if (!raw || typeof raw !== 'object') throw bad(file, '"categories" must be an object');
  const categories = new Map<string, ProductCategory>();
  for (const [id, value] of Object.entries(raw as Json)) {
    const c = value as Json;
    const list = (key: string): string[] => stringList(c[key], file, `categories.${id}.${key}`);
    categories.set(id, {
      id,
      name: typeof c.name === 'string' ? c.name : id,
      products: list('products'),
      parts: list('parts'),
      materials: list('materials'),
      variants: list('variants'),
      packs: list('packs'),
      specs: list('specs'),
      units: list('units'),
      ...(c.sizes !== undefined ? { sizes: list('sizes') } : {}),
    });
  }
  return { categories, global: stringTable(json.global, file, 'global') };
}

function loadLabel(file: string, catalogue: Catalogue): LabelKnowledge {
  const json = readJson(file);
  requireAbout(json, file);
  const text = (key: string): string => {
    if (typeof json[key] !== 'string' || (json[key] as string).trim() === '') throw bad(file, `"${key}" must be a non-empty string`);
    return json[key] as string;
  };
  const phase = json.phase ?? 'any';
  if (phase !== 'pre' && phase !== 'post' && phase !== 'any') throw bad(file, '"phase" must be pre, post or any');
  if (!Array.isArray(json.categories) || json.categories.length === 0) throw bad(file, '"categories" must be a non-empty list');
  const categories = json.categories.map((entry: unknown, k: number): LabelCategory => {
    const ref = typeof entry === 'string' ? { id: entry } : (entry as Json);
    const id = ref?.id;
    if (typeof id !== 'string' || !catalogue.categories.has(id)) throw bad(file, `categories[${k}]: "${String(id)}" is not a catalogue category`);
    const weight = ref.weight ?? 1;
    if (typeof weight !== 'number' || !(weight > 0)) throw bad(file, `categories[${k}].weight must be a positive number`);
    return { id, weight, ...(ref.products !== undefined ? { products: stringList(ref.products, file, `categories[${k}].products`) } : {}) };
  });
  const slots: Record<string, SlotTable> = {};
  for (const [name, table] of Object.entries((json.slots ?? {}) as Json)) {
    slots[name] = Array.isArray(table) ? stringList(table, file, `slots.${name}`, { templates: true }) : stringTable(table, file, `slots.${name}`);
  }
  const boundaries = Array.isArray(json.boundaries) ? (json.boundaries as { with: string; rule: string }[]) : [];
  return {
    file,
    label: text('label'),
    coarse: text('coarse'),
    description: text('description'),
    meaning: text('meaning'),
    boundaries,
    phase,
    categories,
    slots,
    forms: stringList(json.forms, file, 'forms', { templates: true }),
    answers: stringList(json.answers, file, 'answers', { templates: true }),
  };
}

function loadContext(file: string): { frames: Frame[]; slots: Record<string, string[]> } {
  const json = readJson(file);
  requireAbout(json, file);
  if (!Array.isArray(json.frames) || json.frames.length === 0) throw bad(file, '"frames" must be a non-empty list');
  const frames = json.frames.map((f: Json, k: number): Frame => {
    if (typeof f?.id !== 'string') throw bad(file, `frames[${k}] needs an id`);
    const weight = f.weight ?? 1;
    if (typeof weight !== 'number' || !(weight > 0)) throw bad(file, `frame ${f.id}: weight must be a positive number`);
    if (!Array.isArray(f.turns) || f.turns.length === 0) throw bad(file, `frame ${f.id}: turns must be a non-empty list`);
    const turns = f.turns.map((t: unknown, j: number) => {
      if (!Array.isArray(t) || t.length !== 2 || (t[0] !== 'user' && t[0] !== 'agent') || typeof t[1] !== 'string') {
        throw bad(file, `frame ${f.id} turn ${j} must be ["user"|"agent", "template"]`);
      }
      parseTemplate(t[1]);
      return { role: t[0] as Role, text: t[1] };
    });
    if (!turns.some((t: { text: string }) => t.text.includes('{q}'))) throw bad(file, `frame ${f.id} never asks the question {q}`);
    return { id: f.id, weight, ...(f.phase === 'post' ? { phase: 'post' as const } : {}), turns };
  });
  return { frames, slots: stringTable(json.slots, file, 'slots') };
}

function loadVariation(file: string): Variation {
  const json = readJson(file);
  requireAbout(json, file);
  const rates = json.rates as Record<string, number>;
  if (!rates || typeof rates !== 'object' || Object.values(rates).some((r) => typeof r !== 'number' || r < 0 || r > 1)) {
    throw bad(file, '"rates" must map names to probabilities in [0, 1]');
  }
  const table = (key: string): Record<string, string[]> => {
    const t = json[key] as Json;
    if (!t || typeof t !== 'object') throw bad(file, `"${key}" must be an object of string lists`);
    return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, stringList(v, file, `${key}.${k}`)]));
  };
  const p = json.punctuation as Json;
  if (!p || typeof p !== 'object' || typeof p.strip !== 'number') throw bad(file, '"punctuation" needs question, comma and strip');
  return {
    rates,
    openers: stringList(json.openers, file, 'openers'),
    closers: stringList(json.closers, file, 'closers'),
    emoji: stringList(json.emoji, file, 'emoji'),
    kaomoji: stringList(json.kaomoji, file, 'kaomoji'),
    english: table('english'),
    slang: table('slang'),
    lookalike: table('lookalike'),
    punctuation: { question: stringList(p.question, file, 'punctuation.question'), comma: stringList(p.comma, file, 'punctuation.comma'), strip: p.strip },
    leadIns: stringList(json.leadIns, file, 'leadIns', { templates: true }),
    referent: stringList(json.referent, file, 'referent', { templates: true }),
  };
}

function loadGenerated<T>(file: string, check: (v: unknown) => boolean, what: string): T {
  const json = readJson(file);
  requireAbout(json, file);
  const map = json.map as Json;
  if (!map || typeof map !== 'object' || !Object.values(map).every(check)) throw bad(file, `"map" must be an object of ${what}`);
  return map as T;
}

/** Loads every intent knowledge file of `dir`, checking shapes and templates. */
export function loadIntentKnowledge(dir = defaultIntentKnowledgeDir()): IntentKnowledge {
  requireFolderSync(dir, 'the knowledge folder');
  const catalogue = loadCatalogue(join(dir, 'catalogue.json'));
  const context = loadContext(join(dir, 'context.json'));
  const labelsDir = join(dir, 'labels');
  let files: string[];
  try {
    files = readdirSync(labelsDir).filter((f) => f.endsWith('.json')).sort();
  } catch (cause) {
    throw new EcommirError('ECM_ERR_BAD_JSON', `cannot read the label knowledge folder ${labelsDir}: ${(cause as Error).message}`, { item: { file: labelsDir }, cause });
  }
  const labels = files.map((f) => loadLabel(join(labelsDir, f), catalogue));
  const seen = new Map<string, string>();
  for (const l of labels) {
    if (seen.has(l.label)) throw bad(l.file, `label "${l.label}" is also described in ${seen.get(l.label)}`);
    seen.set(l.label, l.file);
  }
  return {
    dir,
    catalogue,
    frames: context.frames,
    contextSlots: context.slots,
    variation: loadVariation(join(dir, 'variation.json')),
    homophones: loadGenerated(join(dir, 'homophones.json'), (v) => Array.isArray(v) && v.every((c) => typeof c === 'string'), 'character lists'),
    traditional: loadGenerated(join(dir, 'traditional.json'), (v) => typeof v === 'string', 'strings'),
    labels,
  };
}
