// Text that remembers where each of its characters came from: the turn of the dialogue as sent and
// the offsets in that turn's text. Denoising and folding rewrite a turn many times (rules replace,
// sentences split and rejoin, full-width folds, English words become Chinese); doing every step on a
// TrackedText keeps, for each character that survives, the span of the original text it stands for,
// so that a feature the model weighed can be shown where the shopper typed it.
//
// Offsets are UTF-16 code units, as String.prototype.slice counts them. A character that no source
// stands for (a space joining two turns, a marker put back) has turn -1.

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
    readonly turns: Int32Array,
    /** Per code unit: the source span [starts, ends) it stands for. */
    readonly starts: Int32Array,
    readonly ends: Int32Array,
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
    const turns = new Int32Array(n);
    const starts = new Int32Array(n);
    const ends = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const own = i < sourceLength;
      turns[i] = own ? turn : SYNTHETIC;
      starts[i] = own ? offset + i : 0;
      ends[i] = own ? offset + i + 1 : 0;
    }
    return new TrackedText(text, turns, starts, ends);
  }

  /** Text no source stands for. */
  static synthetic(text: string): TrackedText {
    return new TrackedText(text, new Int32Array(text.length).fill(SYNTHETIC), new Int32Array(text.length), new Int32Array(text.length));
  }

  static concat(parts: readonly TrackedText[]): TrackedText {
    if (parts.length === 1) return parts[0];
    const b = new Builder(parts.reduce((n, p) => n + p.length, 0));
    for (const p of parts) b.copy(p, 0, p.length);
    return b.build();
  }

  /** Like Array.prototype.join: `separator` stands for nothing. */
  static join(parts: readonly TrackedText[], separator: string): TrackedText {
    const b = new Builder(parts.reduce((n, p) => n + p.length, 0) + Math.max(0, parts.length - 1) * separator.length);
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
    const b = new Builder(text.length);
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
    const b = new Builder(expected.length);
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

// Denoising a dialogue builds hundreds of these, so the builder is sized for its result up front
// (`capacity`, exact where the caller knows it): allocating and copying typed arrays was most of the
// cleaning's time.
class Builder {
  private parts: string[] = [];
  private n = 0;
  private turns: Int32Array;
  private starts: Int32Array;
  private ends: Int32Array;

  constructor(capacity: number) {
    this.turns = new Int32Array(capacity);
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
  }

  private reserve(extra: number): void {
    if (this.n + extra <= this.turns.length) return;
    let size = Math.max(16, this.turns.length * 2);
    while (size < this.n + extra) size *= 2;
    const grow = (a: Int32Array) => {
      const b = new Int32Array(size);
      b.set(a.subarray(0, this.n));
      return b;
    };
    this.turns = grow(this.turns);
    this.starts = grow(this.starts);
    this.ends = grow(this.ends);
  }

  copy(src: TrackedText, from: number, to: number): void {
    if (to <= from) return;
    this.reserve(to - from);
    this.parts.push(src.text.slice(from, to));
    this.turns.set(src.turns.subarray(from, to), this.n);
    this.starts.set(src.starts.subarray(from, to), this.n);
    this.ends.set(src.ends.subarray(from, to), this.n);
    this.n += to - from;
  }

  /** `text` standing for `span` (or for nothing). */
  private put(text: string, span: SourceSpan | undefined): void {
    this.reserve(text.length);
    this.parts.push(text);
    this.turns.fill(span ? span.turn : SYNTHETIC, this.n, this.n + text.length);
    this.starts.fill(span ? span.start : 0, this.n, this.n + text.length);
    this.ends.fill(span ? span.end : 0, this.n, this.n + text.length);
    this.n += text.length;
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

  /** Called once: when the capacity was exact, the arrays are handed over, not copied. */
  build(): TrackedText {
    const n = this.n;
    const own = (a: Int32Array) => (a.length === n ? a : a.slice(0, n));
    return makeTracked(this.parts.length === 1 ? this.parts[0] : this.parts.join(''), own(this.turns), own(this.starts), own(this.ends));
  }

  /** The built text must be what the plain string operation gave: a bug here must not change features. */
  check(expected: string): TrackedText {
    const built = this.build();
    if (built.text !== expected) throw new Error('TrackedText: the tracked result differs from the plain one');
    return built;
  }
}

// TrackedText's constructor is private; the builder and align make instances through this.
const makeTracked = (text: string, turns: Int32Array, starts: Int32Array, ends: Int32Array): TrackedText =>
  new (TrackedText as unknown as new (t: string, a: Int32Array, b: Int32Array, c: Int32Array) => TrackedText)(text, turns, starts, ends);

/**
 * `target` tracked against `src` when no exact per-character mapping is known: characters the two
 * share in order keep their origin (a greedy walk with a short look-ahead); the rest stand for the
 * source characters between their shared neighbours.
 */
function align(src: TrackedText, target: string): TrackedText {
  const n = target.length;
  const turns = new Int32Array(n).fill(SYNTHETIC);
  const starts = new Int32Array(n);
  const ends = new Int32Array(n);
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
  for (let i = 0; i < n; i++) {
    const k = matchedAt[i];
    if (k < 0) {
      let next = src.length;
      for (let q = i + 1; q < n; q++) {
        if (matchedAt[q] >= 0) {
          next = matchedAt[q];
          break;
        }
      }
      const span = src.sourceSpan(prev + 1, Math.max(prev + 1, next));
      if (span) {
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
  }
  return makeTracked(target, turns, starts, ends);
}
