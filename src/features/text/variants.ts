// Typing variation folded away before features are read, so that a shopper who writes traditional
// characters, full-width letters, emoji, an English or pinyin word, or a look-alike / same-sound typo
// still meets the features learnt from ordinary wording. The tables are reviewable data
// (knowledge/text/variants.json); a saved model embeds the ones it was trained with.
// Order: NFKC (full/half width) → lower case → traditional → simplified (OpenCC) → digits+unit
// ("500g" → "500克") → Latin words → phrase table → single characters → emoji and emoticon codes out.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { EcommirError } from '../../errors.js';
import { TrackedText } from '../../data/tracked-text.js';
import { readJsonFile } from '../../data/json-text.js';

export interface VariantTables {
  /** Multi-character typos → the intended phrase (longest match first). */
  phrases: Record<string, string>;
  /** Single look-alike or dialect characters → the standard one. */
  characters: Record<string, string>;
  /** Whole Latin-script words (English, pinyin) → Chinese. */
  latin: Record<string, string>;
  /** Word classes: any member in the text adds the token `class:<name>`. */
  classes: Record<string, string[]>;
}

export function defaultVariantsPath(): string {
  return fileURLToPath(new URL('../../../knowledge/text/variants.json', import.meta.url));
}

export function loadVariantTables(path = defaultVariantsPath()): VariantTables {
  return parseVariantTables(readJsonFile(path, 'variant tables'), path);
}

export function parseVariantTables(json: unknown, source = '<variants>'): VariantTables {
  const o = json as Partial<VariantTables> | null;
  const bad = (what: string) => new EcommirError('ECM_ERR_BAD_JSON', `variant tables ${source}: ${what}`, { item: { file: source } });
  // A number or a list was read as empty tables: the model folded no variant, saying nothing.
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw bad('must be an object {phrases, characters, latin, classes}');
  const map = (name: 'phrases' | 'characters' | 'latin'): Record<string, string> => {
    const m = o?.[name] ?? {};
    if (typeof m !== 'object' || Array.isArray(m)) throw bad(`"${name}" must be an object of strings`);
    for (const [k, v] of Object.entries(m)) if (k === '' || typeof v !== 'string') throw bad(`"${name}" entry ${JSON.stringify(k)} must map a non-empty key to a string`);
    if (name === 'characters') for (const k of Object.keys(m)) if ([...k].length !== 1) throw bad(`"characters" key ${JSON.stringify(k)} is not one character`);
    return { ...m };
  };
  const classes = o?.classes ?? {};
  if (typeof classes !== 'object' || Array.isArray(classes)) throw bad('"classes" must be an object of string lists');
  for (const [k, v] of Object.entries(classes)) if (!Array.isArray(v) || v.some((w) => typeof w !== 'string' || w === '')) throw bad(`class "${k}" needs a list of non-empty strings`);
  return { phrases: map('phrases'), characters: map('characters'), latin: map('latin'), classes: Object.fromEntries(Object.entries(classes).map(([k, v]) => [k, [...v]])) };
}

type Convert = (text: string) => string;
let toSimplified: Convert | null = null;
function simplify(text: string): string {
  if (!toSimplified) {
    const require = createRequire(import.meta.url);
    const OpenCC = require('opencc-js') as typeof import('opencc-js');
    toSimplified = OpenCC.Converter({ from: 'tw', to: 'cn' });
  }
  return toSimplified!(text);
}

// Pictographs (emoji), their modifiers and joiners; QQ/Taobao-style emoticon codes such as /:068 or [微笑].
const EMOJI = /[\p{Extended_Pictographic}\u{1F3FB}-\u{1F3FF}\u{FE0F}\u{200D}]/gu;
const EMOTICON_CODE = /\/:[0-9a-z_]+|\[[\u4e00-\u9fa5a-z]{1,4}\]/gi;
const LATIN_WORD = /[a-z][a-z0-9]*|[0-9]+[a-z]+/g;
const NUMBER_UNIT = /([0-9]+(?:\.[0-9]+)?)\s*(ml|kg|g|l|pcs|oz|lb|lbs)\b/g;

export class TextFolder {
  private readonly phraseKeys: string[];
  private readonly phrasePattern: RegExp | null;

  constructor(readonly tables: VariantTables) {
    this.phraseKeys = Object.keys(tables.phrases).sort((a, b) => b.length - a.length);
    this.phrasePattern = this.phraseKeys.length ? new RegExp(this.phraseKeys.map(escapeRegExp).join('|'), 'g') : null;
  }

  static default(): TextFolder {
    return new TextFolder(loadVariantTables());
  }

  fold(text: string): string {
    let out = simplify(text.normalize('NFKC').toLowerCase());
    out = out.replace(EMOTICON_CODE, ' ').replace(EMOJI, ' ');
    out = out.replace(NUMBER_UNIT, (_, n: string, unit: string) => `${n}${this.tables.latin[unit] ?? unit}`);
    out = out.replace(LATIN_WORD, (w) => this.tables.latin[w] ?? w);
    if (this.phrasePattern) out = out.replace(this.phrasePattern, (p) => this.tables.phrases[p] ?? p);
    let chars = '';
    for (const ch of out) chars += this.tables.characters[ch] ?? ch;
    return chars.replace(/\s+/g, ' ').trim();
  }

  /**
   * `fold`, keeping the origin of each character (see TrackedText): what the model read, tracked back
   * to what the shopper typed. Its text is always exactly `fold(text.text)`: each step is the plain
   * step tracked (mapCodePoints ends on the whole-text result, replace checks its text against the
   * plain replace), so the plain fold is not run again to compare (it was a third of this call's time;
   * test/tasks/intent/tracked-views.test.ts compares the two on every dev dialogue).
   */
  foldTracked(text: TrackedText): TrackedText {
    const plain = text.text;
    const nfkc = plain.normalize('NFKC');
    let out = text.mapCodePoints((c) => c.normalize('NFKC'), nfkc);
    const lower = nfkc.toLowerCase();
    out = out.mapCodePoints((c) => c.toLowerCase(), lower);
    out = out.mapCodePoints((c) => simplify(c), simplify(lower));
    out = out.replace(EMOTICON_CODE, () => ' ').replace(EMOJI, () => ' ');
    out = out.replace(NUMBER_UNIT, (_: string, n: unknown, unit: unknown) => `${n as string}${this.tables.latin[unit as string] ?? (unit as string)}`);
    out = out.replace(LATIN_WORD, (w: string) => this.tables.latin[w] ?? w);
    if (this.phrasePattern) out = out.replace(this.phrasePattern, (p: string) => this.tables.phrases[p] ?? p);
    out = out.mapCodePoints((c) => this.tables.characters[c] ?? c, [...out.text].map((c) => this.tables.characters[c] ?? c).join(''));
    return out.replace(/\s+/g, () => ' ').trim();
  }

  /** `class:<name>` for each word class with a member in the (folded) text. */
  classTokens(folded: string): string[] {
    return Object.entries(this.tables.classes)
      .filter(([, words]) => words.some((w) => folded.includes(w)))
      .map(([name]) => `class:${name}`);
  }

  toJSON(): VariantTables {
    return this.tables;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
