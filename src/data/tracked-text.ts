// Text that remembers where each of its characters came from: the turn of the dialogue as sent and
// the offsets in that turn's text. Denoising and folding rewrite a turn many times (rules replace,
// sentences split and rejoin, full-width folds, English words become Chinese); doing every step on a
// TrackedText keeps, for each character that survives, the span of the original text it stands for,
// so that a feature the model weighed can be shown where the shopper typed it.
//
// Offsets are UTF-16 code units, as String.prototype.slice counts them. A character that no source
// stands for (a space joining two turns, a marker put back) has turn -1.
//
// The origins are plain arrays of small integers, not Int32Arrays: cleaning one dialogue makes hundreds
// of short tracked texts, and V8 allocates a typed array of more than 64 bytes outside the heap, about
// ten times slower than a plain array of the same length (that allocation was most of the cleaning's time).

/** Where a run of text came from: `dialogue[turn].text.slice(start, end)`. */
export interface SourceSpan {
  turn: number;
  start: number;
  end: number;
}

const SYNTHETIC = -1;

export class TrackedText {
  private constructor(
    readonly text: string,
    /** Per code unit: the source turn, or -1. */
    readonly turns: readonly number[],
    /** Per code unit: the source span [starts, ends) it stands for. */
    readonly starts: readonly number[],
    readonly ends: readonly number[],
  ) {}

  get length(): number {
    return this.text.length;
  }

  /**
   * The text of turn `turn`, whose first character sits at `offset` in the text as sent; characters
   * from `sourceLength` on (markers appended by a parser) stand for nothing.
   */
  static fromTurn(text: string, turn: number, offset = 0, sourceLength = text.length): TrackedText {
    const n = text.length;
    const turns: number[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    for (let i = 0; i < n; i++) {
      const own = i < sourceLength;
      turns.push(own ? turn : SYNTHETIC);
      starts.push(own ? offset + i : 0);
      ends.push(own ? offset + i + 1 : 0);
    }
    return new TrackedText(text, turns, starts, ends);
  }

  /** Text no source stands for. */
  static synthetic(text: string): TrackedText {
    const none = (value: number) => new Array<number>(text.length).fill(value);
    return new TrackedText(text, none(SYNTHETIC), none(0), none(0));
  }

  static concat(parts: readonly TrackedText[]): TrackedText {
    if (parts.length === 1) return parts[0];
    const b = new Builder();
    for (const p of parts) b.copy(p, 0, p.length);
    return b.build();
  }

  /** Like Array.prototype.join: `separator` stands for nothing. */
  static join(parts: readonly TrackedText[], separator: string): TrackedText {
    const b = new Builder();
    parts.forEach((p, i) => {
      if (i > 0) b.synthetic(separator);
      b.copy(p, 0, p.length);
    });
    return b.build();
  }

  slice(start: number, end = this.length): TrackedText {
    if (start <= 0 && end >= this.length) return this;
    return new TrackedText(this.text.slice(start, end), this.turns.slice(start, end), this.starts.slice(start, end), this.ends.slice(start, end));
  }

  /**
   * String.prototype.replace with a function, tracked. Characters the replacement keeps from the
   * match at its start and end keep their own origin; the rest of the replacement stands for the rest
   * of the match (`<num>` stands for the whole digit run, 毫升 for `ml`). `pattern` must be global to
   * replace every match, as with strings.
   */
  replace(pattern: RegExp, replacer: (match: string, ...rest: unknown[]) => string): TrackedText {
    const edits: { at: number; match: string; replacement: string }[] = [];
    pattern.lastIndex = 0;
    const text = this.text.replace(pattern, (...args: unknown[]) => {
      const match = args[0] as string;
      const replacement = replacer(...(args as [string, ...unknown[]]));
      // The offset is the first number after the capture groups (named groups add an object after the string).
      let k = 1;
      while (typeof args[k] !== 'number') k++;
      if (replacement !== match) edits.push({ at: args[k] as number, match, replacement });
      return replacement;
    });
    if (edits.length === 0) return this;
    const b = new Builder();
    let from = 0;
    for (const { at, match, replacement } of edits) {
      b.copy(this, from, at);
      b.substitute(this, at, at + match.length, match, replacement);
      from = at + match.length;
    }
    b.copy(this, from, this.length);
    return b.check(text);
  }

  /**
   * String.prototype.split, tracked: by a string, or by a pattern without capture groups, with the
   * same pieces as the built-in (the spec's SplitMatcher: a match may not end where the last piece
   * began, so zero-width breaks never give an empty piece between them).
   */
  split(separator: RegExp | string): TrackedText[] {
    const out: TrackedText[] = [];
    if (typeof separator === 'string') {
      let from = 0;
      for (let at = this.text.indexOf(separator); at >= 0; at = this.text.indexOf(separator, from)) {
        out.push(this.slice(from, at));
        from = at + separator.length;
      }
      out.push(this.slice(from));
      return out;
    }
    const size = this.length;
    const sticky = new RegExp(separator.source, `${separator.flags.replace(/[gy]/g, '')}y`);
    if (size === 0) return sticky.test('') ? [] : [this];
    const unicode = /[uv]/.test(separator.flags);
    let p = 0;
    let q = 0;
    while (q < size) {
      sticky.lastIndex = q;
      const m = sticky.exec(this.text);
      const e = m ? Math.min(sticky.lastIndex, size) : -1;
      if (!m || e === p) {
        q += unicode && (this.text.codePointAt(q) ?? 0) > 0xffff ? 2 : 1;
        continue;
      }
      out.push(this.slice(p, q));
      p = e;
      q = p;
    }
    out.push(this.slice(p, size));
    return out;
  }

  trim(): TrackedText {
    const start = this.text.length - this.text.trimStart().length;
    const end = this.text.trimEnd().length;
    return start === 0 && end === this.length ? this : this.slice(start, Math.max(start, end));
  }

  /**
   * A whole-text transformation whose result must equal `expected` (e.g. NFKC, lower case, OpenCC):
   * applied code point by code point, each output character standing for its input one. When the
   * code-point-wise result differs from the whole-text one (a composition across characters, a phrase
   * conversion), the output is aligned on the characters the two share.
   */
  mapCodePoints(each: (cp: string) => string, expected: string): TrackedText {
    if (expected === this.text) return this;
    const b = new Builder();
    let i = 0;
    for (const cp of this.text) {
      b.substitute(this, i, i + cp.length, cp, each(cp));
      i += cp.length;
    }
    const built = b.build();
    return built.text === expected ? built : align(this, expected);
  }

  /** `target` tracked against this text when no exact mapping is known (see align): a safety net, rarely used. */
  static realign(src: TrackedText, target: string): TrackedText {
    return align(src, target);
  }

  /** The source span of units [start, end): the first and last units that have a source, if they share a turn. */
  sourceSpan(start: number, end: number): SourceSpan | undefined {
    let turn = SYNTHETIC;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = start; i < end; i++) {
      if (this.turns[i] === SYNTHETIC) continue;
      if (turn === SYNTHETIC) turn = this.turns[i];
      else if (this.turns[i] !== turn) return undefined;
      lo = Math.min(lo, this.starts[i]);
      hi = Math.max(hi, this.ends[i]);
    }
    return turn === SYNTHETIC ? undefined : { turn, start: lo, end: hi };
  }

  /** The source of one unit, or undefined when it stands for nothing. */
  sourceAt(i: number): SourceSpan | undefined {
    return this.turns[i] === SYNTHETIC ? undefined : { turn: this.turns[i], start: this.starts[i], end: this.ends[i] };
  }
}

// Denoising a dialogue builds hundreds of these: the builder appends to plain arrays that the built
// text then owns (no copy at the end).
class Builder {
  private parts: string[] = [];
  private readonly turns: number[] = [];
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];

  copy(src: TrackedText, from: number, to: number): void {
    if (to <= from) return;
    this.parts.push(src.text.slice(from, to));
    for (let i = from; i < to; i++) {
      this.turns.push(src.turns[i]);
      this.starts.push(src.starts[i]);
      this.ends.push(src.ends[i]);
    }
  }

  /** `text` standing for `span` (or for nothing). */
  private put(text: string, span: SourceSpan | undefined): void {
    this.parts.push(text);
    const turn = span ? span.turn : SYNTHETIC;
    const start = span ? span.start : 0;
    const end = span ? span.end : 0;
    for (let i = 0; i < text.length; i++) {
      this.turns.push(turn);
      this.starts.push(start);
      this.ends.push(end);
    }
  }

  synthetic(text: string): void {
    this.put(text, undefined);
  }

  /** `replacement` in place of src[from, to) (whose text is `match`): shared ends keep their origin. */
  substitute(src: TrackedText, from: number, to: number, match: string, replacement: string): void {
    if (replacement === match) return this.copy(src, from, to);
    let prefix = 0;
    while (prefix < match.length && prefix < replacement.length && match[prefix] === replacement[prefix]) prefix++;
    let suffix = 0;
    while (suffix < match.length - prefix && suffix < replacement.length - prefix && match[match.length - 1 - suffix] === replacement[replacement.length - 1 - suffix]) suffix++;
    this.copy(src, from, from + prefix);
    const middle = replacement.slice(prefix, replacement.length - suffix);
    // The middle of the replacement stands for the middle of the match (or, for a pure insertion, for nothing).
    if (middle.length > 0) this.put(middle, src.sourceSpan(from + prefix, to - suffix));
    this.copy(src, to - suffix, to);
  }

  /** Called once: the arrays are handed over, not copied. */
  build(): TrackedText {
    return makeTracked(this.parts.length === 1 ? this.parts[0] : this.parts.join(''), this.turns, this.starts, this.ends);
  }

  /** The built text must be what the plain string operation gave: a bug here must not change features. */
  check(expected: string): TrackedText {
    const built = this.build();
    if (built.text !== expected) throw new Error('TrackedText: the tracked result differs from the plain one');
    return built;
  }
}

// TrackedText's constructor is private; the builder and align make instances through this.
const makeTracked = (text: string, turns: number[], starts: number[], ends: number[]): TrackedText =>
  new (TrackedText as unknown as new (t: string, a: number[], b: number[], c: number[]) => TrackedText)(text, turns, starts, ends);

/**
 * `target` tracked against `src` when no exact per-character mapping is known: characters the two
 * share in order keep their origin (a greedy walk with a short look-ahead); the rest stand for the
 * source characters between their shared neighbours.
 */
function align(src: TrackedText, target: string): TrackedText {
  const n = target.length;
  const turns = new Array<number>(n).fill(SYNTHETIC);
  const starts = new Array<number>(n).fill(0);
  const ends = new Array<number>(n).fill(0);
  const matchedAt = new Int32Array(n).fill(-1);
  let j = 0;
  for (let i = 0; i < n && j < src.length; i++) {
    const limit = Math.min(src.length, j + 8);
    for (let k = j; k < limit; k++) {
      if (src.text[k] === target[i]) {
        matchedAt[i] = k;
        j = k + 1;
        break;
      }
    }
  }
  let prev = -1;
  for (let i = 0; i < n; ) {
    const k = matchedAt[i];
    if (k < 0) {
      // A run of unmatched characters shares its neighbours, so its span is found once per run: per
      // character, a text that shares nothing (combining marks under NFKC) took quadratic time.
      let end = i + 1;
      while (end < n && matchedAt[end] < 0) end++;
      const next = end < n ? matchedAt[end] : src.length;
      const span = src.sourceSpan(prev + 1, Math.max(prev + 1, next));
      for (; i < end; i++) {
        if (!span) continue;
        turns[i] = span.turn;
        starts[i] = span.start;
        ends[i] = span.end;
      }
      continue;
    }
    prev = k;
    turns[i] = src.turns[k];
    starts[i] = src.starts[k];
    ends[i] = src.ends[k];
    i++;
  }
  return makeTracked(target, turns, starts, ends);
}
