// JSON.parse keeps the last of two equal keys in one object without a word ({"text":"a","text":"b"}
// reads as {"text":"b"}), so a client that builds its JSON by hand, or a user editing a lexicon, would
// never learn that half of what they wrote was dropped. The readers of data files, request bodies
// and knowledge files refuse such text instead, naming the key and where it is.
// Written here rather than taken from jsonc-parser (VS Code's scanner, the reference in the tests):
// that one reads every character through its tokenizer, and on a request body padded with 400 KB of
// spaces a fresh parser thread spent 116 ms in it; this walk jumps over strings with indexOf and
// looks at nothing else but structure.

export interface DuplicateKey {
  /** The key as decoded. */
  key: string;
  /** Where its second occurrence is: the keys and array indices from the top, ending with `key`. */
  path: (string | number)[];
  /** 1-based line and column (UTF-16 units) of the second occurrence. */
  line: number;
  column: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const NEWLINE = 0x0a;

/** Whether the quote at `at` is escaped: an odd run of backslashes before it. */
function isEscaped(text: string, at: number): boolean {
  let run = 0;
  while (text.charCodeAt(at - 1 - run) === BACKSLASH) run++;
  return run % 2 === 1;
}

/**
 * The keys that appear twice in one object of `text`: the first of them in each element of a
 * top-level array (each record of a data file), or only the very first when the text is not an
 * array. Meant for text that JSON.parse has accepted; on other text what it says is undefined.
 */
export function findDuplicateKeys(text: string): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  // The open containers from the top: an object's keys so far (null for an array), and the key or
  // index the walk is at in each.
  const keys: (Set<string> | null)[] = [];
  const at: (string | number)[] = [];
  let expectKey = false;
  let lastRecord = -1;
  // Lines are counted forward from the last report, so reporting many records stays linear.
  let counted = 0;
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let end = text.indexOf('"', i + 1);
      while (end > 0 && isEscaped(text, end)) end = text.indexOf('"', end + 1);
      if (end < 0) break;
      const top = keys.length - 1;
      const own = top >= 0 ? keys[top] : null;
      if (own && expectKey) {
        const raw = text.slice(i + 1, end);
        const key = raw.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
        expectKey = false;
        at[top] = key;
        if (!own.has(key)) own.add(key);
        else {
          const record = keys[0] === null ? (at[0] as number) : undefined;
          if (record === undefined || record !== lastRecord) {
            for (; counted < i; counted++) {
              if (text.charCodeAt(counted) !== NEWLINE) continue;
              line++;
              lineStart = counted + 1;
            }
            found.push({ key, path: at.slice(0, top + 1), line, column: i - lineStart + 1 });
            if (record === undefined) break;
            lastRecord = record;
          }
        }
      }
      i = end;
    } else if (c === OPEN_OBJECT) {
      keys.push(new Set());
      at.push('');
      expectKey = true;
    } else if (c === OPEN_ARRAY) {
      keys.push(null);
      at.push(0);
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      keys.pop();
      at.pop();
    } else if (c === COMMA) {
      const top = keys.length - 1;
      if (keys[top] === null) (at[top] as number)++;
      else expectKey = true;
    }
  }
  return found;
}

/** The first key that appears twice in one object of `text`, or undefined. */
export function findDuplicateKey(text: string): DuplicateKey | undefined {
  return findDuplicateKeys(text)[0];
}

/** `dialogue[1].text`, the way the service names a place in a body. */
export function formatJsonPath(path: readonly (string | number)[]): string {
  return path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${part}`)).join('').replace(/^\./, '');
}

/** The sentence every reader uses, so that the CLI and the service say the same thing. */
export function describeDuplicateKey(duplicate: DuplicateKey): string {
  return `the key "${duplicate.key}" appears twice in one object, at ${formatJsonPath(duplicate.path)} (line ${duplicate.line}, column ${duplicate.column}); JSON.parse would keep only the last value without a word, so each key must appear once`;
}
