// A task's label set: each fine label with its coarse group and a description. The challenge's
// two label sets ship in taxonomies/*.json; a user's own file replaces them without code changes.
//
// File shape:
//   { "task": "scene"|"intent",
//     "coarse": [{"label", "description"?}]?,          // optional: order and descriptions of groups
//     "labels": [{"label", "coarse", "description"?}] }  // fine labels, in their canonical order
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EcommirError } from '../errors.js';
import { readSideText, unreadableReason } from '../data/read-file.js';
import { TASKS, type Task } from '../types.js';
import { parseJsonDocument } from '../data/json-text.js';

/** Joins coarse and fine in a hierarchical label, `粗类-细类` (the paper's "coarse–fine" target). */
export const HIERARCHY_SEPARATOR = '-';

/** Dash variants a model may write in place of the separator. */
const SEPARATOR_VARIANTS = /[－—–‐‑−]/g;

export interface TaxonomyLabel {
  label: string;
  coarse: string;
  description: string;
  /** A short English gloss, for English readers of explanations (optional). */
  en?: string;
}

export interface TaxonomyFile {
  task: Task;
  description?: string;
  coarse?: { label: string; description?: string }[];
  labels: { label: string; coarse: string; description?: string; en?: string }[];
}

// src/labels/taxonomy.ts and dist/labels/taxonomy.js both sit two levels under the package root.
const DEFAULT_DIR = new URL('../../taxonomies/', import.meta.url);
const defaults = new Map<Task, Taxonomy>();

export class Taxonomy {
  readonly task: Task;
  /** Fine labels in canonical order. */
  readonly labels: readonly string[];
  /** Coarse groups in order (declared order, else order of first use). */
  readonly coarseLabels: readonly string[];
  /** Where it was read from, for messages. */
  readonly source: string;
  private readonly byFine: ReadonlyMap<string, TaxonomyLabel>;
  private readonly positions: ReadonlyMap<string, number>;
  private readonly coarseDescriptions: ReadonlyMap<string, string>;

  private constructor(task: Task, entries: TaxonomyLabel[], coarse: { label: string; description: string }[], source: string) {
    this.task = task;
    this.source = source;
    this.labels = Object.freeze(entries.map((e) => e.label));
    this.coarseLabels = Object.freeze(coarse.map((c) => c.label));
    this.byFine = new Map(entries.map((e) => [e.label, Object.freeze({ ...e })]));
    this.positions = new Map(entries.map((e, i) => [e.label, i]));
    this.coarseDescriptions = new Map(coarse.map((c) => [c.label, c.description]));
  }

  /** The shipped taxonomy of a task (the challenge's label set), read once. */
  static default(task: Task): Taxonomy {
    let taxonomy = defaults.get(task);
    if (!taxonomy) {
      // From JavaScript any string arrives: named, not a file-system error about a taxonomy file.
      if (!TASKS.includes(task)) throw new EcommirError('ECM_ERR_UNKNOWN_TASK', `there is no shipped taxonomy for task ${JSON.stringify(task)}: the tasks are ${TASKS.join(' and ')}`);
      const url = new URL(`${task}.json`, DEFAULT_DIR);
      taxonomy = Taxonomy.fromText(readFileSync(url, 'utf8'), fileURLToPath(url), task);
      defaults.set(task, taxonomy);
    }
    return taxonomy;
  }

  /** Reads and validates a taxonomy file; `expectedTask` checks that it is for the right task. */
  static async load(path: string, expectedTask?: Task): Promise<Taxonomy> {
    let text: string;
    try {
      text = await readSideText(path);
    } catch (cause) {
      const why = unreadableReason(cause);
      throw new EcommirError('ECM_ERR_BAD_TAXONOMY', `cannot read taxonomy ${path}: ${why}`, { item: { file: path }, cause });
    }
    return Taxonomy.fromText(text, path, expectedTask);
  }

  static fromText(text: string, source: string, expectedTask?: Task): Taxonomy {
    return Taxonomy.fromJSON(parseJsonDocument(text, source, 'taxonomy', 'ECM_ERR_BAD_TAXONOMY'), source, expectedTask);
  }

  /** Validates a parsed taxonomy object; every fault names the label (and its position) at fault. */
  static fromJSON(value: unknown, source = 'taxonomy', expectedTask?: Task): Taxonomy {
    const fail = (why: string, index?: number, id?: string): never => {
      throw new EcommirError('ECM_ERR_BAD_TAXONOMY', why, { item: { file: source, index, id } });
    };
    const obj = value as Partial<TaxonomyFile> | null;
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return fail('a taxonomy is an object {task, labels: [{label, coarse, description}]}');
    if (!TASKS.includes(obj.task as Task)) return fail(`task must be one of ${TASKS.join(', ')}, got ${JSON.stringify(obj.task)}`);
    const task = obj.task as Task;
    if (expectedTask && task !== expectedTask) fail(`this taxonomy is for ${task}, not ${expectedTask}`);

    const coarse: { label: string; description: string }[] = [];
    if (obj.coarse !== undefined) {
      if (!Array.isArray(obj.coarse)) fail('coarse must be a list of {label, description}');
      obj.coarse!.forEach((c, i) => {
        const label = typeof c?.label === 'string' ? c.label.trim() : '';
        if (!label) fail('coarse group without a label', i);
        if (coarse.some((x) => x.label === label)) fail(`coarse group "${label}" is declared twice`, i, label);
        coarse.push({ label, description: typeof c.description === 'string' ? c.description : '' });
      });
    }
    const declaredCoarse = coarse.length > 0;

    if (!Array.isArray(obj.labels) || obj.labels.length === 0) return fail('labels must be a non-empty list of {label, coarse, description}');
    const entries: TaxonomyLabel[] = [];
    const seen = new Set<string>();
    obj.labels.forEach((e, i) => {
      const label = typeof e?.label === 'string' ? e.label.trim() : '';
      if (!label) fail('a label entry without a label', i);
      if (seen.has(label)) fail(`duplicate label "${label}"`, i, label);
      seen.add(label);
      const group = typeof e.coarse === 'string' ? e.coarse.trim() : '';
      if (!group) fail(`label "${label}" has no coarse group`, i, label);
      if (e.description !== undefined && typeof e.description !== 'string') fail(`label "${label}": description must be a string`, i, label);
      if (!coarse.some((c) => c.label === group)) {
        if (declaredCoarse) fail(`label "${label}" names coarse group "${group}", which the coarse list does not declare`, i, label);
        coarse.push({ label: group, description: '' });
      }
      if (e.en !== undefined && (typeof e.en !== 'string' || e.en.trim() === '')) fail(`label "${label}": en must be a non-empty string`, i, label);
      entries.push({ label, coarse: group, description: e.description ?? '', ...(e.en !== undefined ? { en: e.en.trim() } : {}) });
    });
    const unused = coarse.filter((c) => !entries.some((e) => e.coarse === c.label));
    if (unused.length > 0) fail(`coarse group(s) with no label: ${unused.map((c) => c.label).join(', ')}`);
    const taxonomy = new Taxonomy(task, entries, coarse, source);
    // Every hierarchical label must read back to its own pair, whatever dashes the names hold.
    for (const [i, e] of entries.entries()) {
      const parsed = taxonomy.tryParseHierarchical(taxonomy.hierarchical(e.label));
      if (!parsed || parsed.fine !== e.label) fail(`"${taxonomy.hierarchical(e.label)}" is ambiguous between coarse groups; rename a group`, i, e.label);
    }
    return taxonomy;
  }

  has(fine: string): boolean {
    return this.byFine.has(fine);
  }

  /** The position of a fine label in `labels` (a map lookup), -1 for one not in the taxonomy. */
  indexOf(fine: string): number {
    return this.positions.get(fine) ?? -1;
  }

  coarseOf(fine: string): string {
    return this.entry(fine).coarse;
  }

  /** The fine labels of a coarse group, in canonical order. */
  finesOf(coarse: string): string[] {
    if (!this.coarseDescriptions.has(coarse)) throw this.unknown(`coarse group "${coarse}"`);
    return this.labels.filter((l) => this.byFine.get(l)!.coarse === coarse);
  }

  /** `粗类-细类`. */
  hierarchical(fine: string): string {
    return this.entry(fine).coarse + HIERARCHY_SEPARATOR + fine;
  }

  /**
   * Reads `粗类-细类` back to its pair. Fine labels may hold the separator themselves
   * (`物流页面-物流列表页面`), so the string is split after a known coarse name, never at the first
   * dash. A bare fine label is accepted too (a model may leave the group out). Throws
   * ECM_ERR_UNKNOWN_LABEL naming the string when it is neither.
   */
  parseHierarchical(text: string): { coarse: string; fine: string } {
    const parsed = this.tryParseHierarchical(text);
    if (!parsed) throw this.unknown(`hierarchical label "${text}"`);
    return parsed;
  }

  tryParseHierarchical(text: string): { coarse: string; fine: string } | undefined {
    const trimmed = text.trim();
    for (const candidate of new Set([trimmed, trimmed.replace(SEPARATOR_VARIANTS, HIERARCHY_SEPARATOR)])) {
      for (const coarse of this.coarseLabels) {
        const prefix = coarse + HIERARCHY_SEPARATOR;
        if (!candidate.startsWith(prefix)) continue;
        const fine = candidate.slice(prefix.length).trim();
        if (this.byFine.get(fine)?.coarse === coarse) return { coarse, fine };
      }
      const entry = this.byFine.get(candidate);
      if (entry) return { coarse: entry.coarse, fine: entry.label };
    }
    return undefined;
  }

  describe(fine: string): string {
    return this.entry(fine).description;
  }

  /** The label's English gloss, when the taxonomy gives one. */
  english(fine: string): string | undefined {
    return this.entry(fine).en;
  }

  describeCoarse(coarse: string): string {
    const description = this.coarseDescriptions.get(coarse);
    if (description === undefined) throw this.unknown(`coarse group "${coarse}"`);
    return description;
  }

  toJSON(): TaxonomyFile {
    return {
      task: this.task,
      coarse: this.coarseLabels.map((label) => ({ label, description: this.coarseDescriptions.get(label)! })),
      labels: this.labels.map((label) => ({ ...this.byFine.get(label)! })),
    };
  }

  private entry(fine: string): TaxonomyLabel {
    const entry = this.byFine.get(fine);
    if (!entry) throw this.unknown(`label "${fine}"`);
    return entry;
  }

  private unknown(what: string): EcommirError {
    return new EcommirError('ECM_ERR_UNKNOWN_LABEL', `${what} is not in the ${this.task} taxonomy (${this.source})`);
  }
}
