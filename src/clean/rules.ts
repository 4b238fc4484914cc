// The denoising rules are data (rules/denoise.json), not code: a deployment tunes them for its
// own shop's bot without a release. This file loads and validates a rules file and compiles its
// patterns once; the engine in denoise.ts only applies them. Every pattern must run in linear time
// on any input (a customer can type 哦 thirty times): a pattern the ReDoS checker (recheck) finds
// super-linear, or cannot prove safe, is refused at load with an error naming the rule.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { checkSync } from 'recheck';
import type { Role } from '../types.js';
import { EcommirError } from '../errors.js';
import { parseJsonDocument } from '../data/json-text.js';
import { readConfigTextSync, unreadableReason } from '../data/read-file.js';
import { unknownKeyProblem, type ObjectShape } from '../data/known-keys.js';

/** The levels at which the denoiser removes text (the paper's three levels, plus normalisation). */
export type DenoiseLevel = 'dialogue' | 'sentence' | 'word' | 'normalise';

export interface DenoiseRule {
  id: string;
  description: string;
  /** Turn roles the rule applies to; all roles when absent. */
  roles?: Role[];
  pattern: RegExp;
  /** For normalise and word rules: what a match becomes (`$1`… refer to groups). Default ''. */
  replacement: string;
}

export interface DenoiseRules {
  version: number;
  /** Where the rules came from, for explanations. */
  source: string;
  /** Tokens that are never removed by the word level and count as content (`<image>`, `<http>`…). */
  markers: string[];
  /** Zero-width (or whitespace) boundaries between sentences. */
  sentenceBreak: RegExp;
  /** A sentence with fewer content characters (Han characters or Latin/digit runs) is dropped. */
  minContentChars: Record<Role, number>;
  normalise: DenoiseRule[];
  sentence: DenoiseRule[];
  word: DenoiseRule[];
}

/** rules/denoise.json at the package root, from src/clean/ and from dist/clean/ alike. */
export const DEFAULT_RULES_PATH = fileURLToPath(new URL('../../rules/denoise.json', import.meta.url));

const ROLES: readonly Role[] = ['user', 'agent'];
let defaultRules: DenoiseRules | undefined;

/** Loads and validates a rules file (default: the package's rules/denoise.json, cached). */
export function loadDenoiseRules(path?: string, options: ParseRulesOptions = {}): DenoiseRules {
  if (path === undefined && defaultRules) return defaultRules;
  const { rules } = readDenoiseRulesFile(path ?? DEFAULT_RULES_PATH, options);
  if (path === undefined) defaultRules = rules;
  return rules;
}

/** Reads and validates a rules file, with its JSON as written (a saved intent model keeps that). */
export function readDenoiseRulesFile(file: string, options: ParseRulesOptions = {}): { json: unknown; rules: DenoiseRules } {
  let text: string;
  try {
    text = readConfigTextSync(file);
  } catch (err) {
    const why = unreadableReason(err);
    throw new EcommirError('ECM_ERR_BAD_OPTION', `cannot read denoise rules file ${file}: ${why}`, { item: { file }, cause: err });
  }
  const json = parseJsonDocument(text, file, 'denoise rules');
  return { json, rules: parseDenoiseRules(json, file, options) };
}

function fail(file: string, where: string, message: string): never {
  throw new EcommirError('ECM_ERR_BAD_OPTION', `denoise rules, ${where}: ${message}`, { item: { file } });
}

export interface ParseRulesOptions {
  /**
   * Check every pattern with the ReDoS checker (default true). Patterns of the package's own
   * rules file are known safe (test/clean/redos-check.test.ts checks them) and are not re-checked.
   */
  checkRedos?: boolean;
  /**
   * Verdicts kept beyond this process (tasks/intent/redos-memo.ts keeps them in the feature cache):
   * every worker that loads a model with its own rules would otherwise check them again.
   */
  provenSafe?: PatternMemo;
}

/** Patterns proven safe, by `patternMemoKey`. */
export interface PatternMemo {
  has(key: string): boolean;
  add(key: string): void;
}

// Judged by step limits only: recheck's default wall-clock limits on its attack phases (1000, 250 and
// 100 ms) let a busy machine turn a linear pattern into "vulnerable" or "timeout", so the same file
// could load on one run and be refused on the next. The 30 s cap still bounds the whole check.
const CHECK_OPTIONS = { timeout: 30_000, attackTimeout: null, incubationTimeout: null, seedingTimeout: null };

/** The checker as a kept verdict names it, read at the first key (a process that checks nothing never reads it). */
let checker: string | undefined;

/**
 * What a PatternMemo keeps for a pattern: the checker (a newer version, or other options, may judge
 * differently) and the pattern with the flags that change its matching time.
 */
export function patternMemoKey(source: string, flags: string): string {
  checker ??= `recheck ${(createRequire(import.meta.url)('recheck/package.json') as { version: string }).version} ${JSON.stringify(CHECK_OPTIONS)}`;
  return `${checker}\n${patternKey(source, flags)}`;
}

/** `flags/source` of the package's own patterns, read once. */
let shippedPatterns: Set<string> | undefined;
/** Patterns already proven safe in this process. */
const provenSafe = new Set<string>();

// g and y change where a search starts, not how long one attempt takes.
function patternKey(source: string, flags: string): string {
  return `${[...flags.replace(/[gy]/g, '')].sort().join('')}/${source}`;
}

function isShippedPattern(key: string): boolean {
  if (!shippedPatterns) {
    shippedPatterns = new Set();
    try {
      const json = JSON.parse(readFileSync(DEFAULT_RULES_PATH, 'utf8')) as Record<string, unknown>;
      if (typeof json.sentenceBreak === 'string') shippedPatterns.add(patternKey(json.sentenceBreak, 'u'));
      for (const level of ['normalise', 'sentence', 'word']) {
        for (const rule of (json[level] ?? []) as { pattern?: unknown; flags?: unknown }[]) {
          if (typeof rule.pattern === 'string') shippedPatterns.add(patternKey(rule.pattern, `${typeof rule.flags === 'string' ? rule.flags : ''}u`));
        }
      }
    } catch {
      // No readable shipped file: every pattern is checked.
    }
  }
  return shippedPatterns.has(key);
}

/** Why a pattern may take super-linear time, or undefined when the checker proves it safe. */
export function redosProblem(source: string, flags: string, memo?: PatternMemo): string | undefined {
  const key = patternKey(source, flags);
  if (provenSafe.has(key) || isShippedPattern(key)) return undefined;
  const memoKey = patternMemoKey(source, flags);
  if (memo?.has(memoKey)) {
    provenSafe.add(key);
    return undefined;
  }
  // The checker wants the pattern without g/y (they do not change the matching time per attempt).
  const result = checkSync(source, flags.replace(/[gy]/g, ''), CHECK_OPTIONS);
  if (result.status === 'safe') {
    provenSafe.add(key);
    memo?.add(memoKey);
    return undefined;
  }
  if (result.status === 'vulnerable') {
    const attack = result.attack.pattern.length > 80 ? `${result.attack.pattern.slice(0, 77)}...` : result.attack.pattern;
    return `the pattern can take ${result.complexity.summary} time on some inputs (for example ${attack}); rewrite it so that no two ways of matching overlap, or start it only where a run starts (a lookbehind)`;
  }
  return `the ReDoS checker cannot prove the pattern runs in linear time (${result.error.kind}${'message' in result.error ? `: ${result.error.message}` : ''}); simplify it`;
}

function compile(file: string, where: string, pattern: unknown, flags: unknown, global: boolean, options: ParseRulesOptions): RegExp {
  if (typeof pattern !== 'string' || pattern === '') fail(file, where, 'pattern must be a non-empty string');
  if (flags !== undefined && (typeof flags !== 'string' || !/^[imsy]*$/.test(flags))) fail(file, where, `flags may only use i, m, s, y (got ${String(flags)})`);
  const allFlags = `${flags ?? ''}u${global ? 'g' : ''}`;
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, allFlags);
  } catch (err) {
    fail(file, where, `bad regular expression: ${(err as Error).message}`);
  }
  if (options.checkRedos !== false) {
    const problem = redosProblem(pattern, allFlags, options.provenSafe);
    if (problem) fail(file, where, problem);
  }
  return regex;
}

// A misspelt key ("sentences" for "sentence") turned a whole level of cleaning off without a word:
// keys are held to the format as data files are.
const RULES_SHAPE: ObjectShape = {
  what: 'a rules file',
  keys: ['version', 'description', 'markers', 'sentenceBreak', 'minContentChars', 'normalise', 'sentence', 'word'],
  hints: { normalize: 'did you mean "normalise"?', dialogue: 'the dialogue level (repeated or empty agent replies) is built in and takes no rules' },
  otherwise: 'the rules loader does not read it',
};
const RULE_SHAPE: ObjectShape = {
  what: 'a rule',
  keys: ['id', 'description', 'roles', 'pattern', 'flags', 'replacement'],
  hints: { role: 'did you mean "roles", a list?', regex: 'did you mean "pattern"?', replace: 'did you mean "replacement"?' },
  otherwise: 'the rules loader does not read it',
};
const MIN_CONTENT_SHAPE: ObjectShape = { what: 'minContentChars', keys: ['user', 'agent'], hints: {}, otherwise: 'the roles are "user" and "agent"' };

function parseRuleList(file: string, list: unknown, name: string, global: boolean, options: ParseRulesOptions): DenoiseRule[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) fail(file, name, 'must be an array of rules');
  const ids = new Set<string>();
  return list.map((raw, i) => {
    const where = `${name}[${i}]`;
    if (!raw || typeof raw !== 'object') fail(file, where, 'must be an object');
    const r = raw as Record<string, unknown>;
    const unknownKey = unknownKeyProblem(r, RULE_SHAPE);
    if (unknownKey) fail(file, typeof r.id === 'string' ? `${where} (${r.id})` : where, unknownKey);
    if (typeof r.id !== 'string' || r.id === '') fail(file, where, 'id must be a non-empty string');
    if (ids.has(r.id)) fail(file, where, `duplicate id "${r.id}"`);
    ids.add(r.id);
    let roles: Role[] | undefined;
    if (r.roles !== undefined) {
      if (!Array.isArray(r.roles) || r.roles.length === 0 || !r.roles.every((x) => ROLES.includes(x as Role))) {
        fail(file, `${where} (${r.id})`, 'roles must be a non-empty array of "user" / "agent"');
      }
      roles = r.roles as Role[];
    }
    if (r.replacement !== undefined && typeof r.replacement !== 'string') fail(file, `${where} (${r.id})`, 'replacement must be a string');
    return {
      id: r.id,
      description: typeof r.description === 'string' ? r.description : '',
      roles,
      pattern: compile(file, `${where} (${r.id})`, r.pattern, r.flags, global, options),
      replacement: (r.replacement as string | undefined) ?? '',
    };
  });
}

/** Validates a parsed rules object; `file` names it in errors. */
export function parseDenoiseRules(json: unknown, file = '<rules>', options: ParseRulesOptions = {}): DenoiseRules {
  if (!json || typeof json !== 'object' || Array.isArray(json)) fail(file, 'top level', 'must be an object');
  const j = json as Record<string, unknown>;
  const unknownKey = unknownKeyProblem(j, RULES_SHAPE);
  if (unknownKey) fail(file, 'top level', unknownKey);
  const markers = j.markers ?? ['<image>'];
  if (!Array.isArray(markers) || !markers.every((m) => typeof m === 'string' && m !== '')) fail(file, 'markers', 'must be an array of strings');
  if (!markers.includes('<image>')) fail(file, 'markers', 'must include <image> (image markers are never removed)');
  if (j.minContentChars !== undefined && (typeof j.minContentChars !== 'object' || j.minContentChars === null || Array.isArray(j.minContentChars))) fail(file, 'minContentChars', 'must be an object of {"user": n, "agent": n}');
  const min = (j.minContentChars ?? {}) as Record<string, unknown>;
  const unknownRole = unknownKeyProblem(min, MIN_CONTENT_SHAPE);
  if (unknownRole) fail(file, 'minContentChars', unknownRole);
  const minContentChars = { user: 0, agent: 0 } as Record<Role, number>;
  for (const role of ROLES) {
    const v = min[role] ?? 0;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(file, `minContentChars.${role}`, 'must be a non-negative integer');
    minContentChars[role] = v;
  }
  return {
    version: typeof j.version === 'number' ? j.version : 1,
    source: file,
    markers: markers as string[],
    sentenceBreak: compile(file, 'sentenceBreak', j.sentenceBreak ?? '(?<=[。！？!?；;\\n])', undefined, false, options),
    minContentChars,
    normalise: parseRuleList(file, j.normalise, 'normalise', true, options),
    sentence: parseRuleList(file, j.sentence, 'sentence', false, options),
    word: parseRuleList(file, j.word, 'word', true, options),
  };
}
