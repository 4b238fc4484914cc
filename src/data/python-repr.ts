// Python's str() of a list of strings, as pandas writes a list cell into a CSV (e.g. `['a-0.jpg']`),
// and the reverse. Only lists of str are needed: the challenge's `image` column.
import { EcommirError, type ItemRef } from '../errors.js';

/** Python 3 repr of a str: single quotes unless the text has a ' and no ", escapes for the rest. */
export function pythonStrRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}

/** `str(list_of_str)` in Python: `['a', 'b']`, `[]` when empty. */
export function pythonListRepr(items: readonly string[]): string {
  return '[' + items.map(pythonStrRepr).join(', ') + ']';
}

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", '"': '"' };

/** Reads back what pythonListRepr writes (also accepts a JSON list of strings). */
export function parsePythonList(text: string, item: ItemRef = {}): string[] {
  const bad = (why: string): EcommirError => new EcommirError('ECM_ERR_BAD_RECORD', `cannot read the image list ${JSON.stringify(text)}: ${why}`, { item });
  const s = text.trim();
  if (!s.startsWith('[') || !s.endsWith(']')) throw bad('not a [...] list');
  const items: string[] = [];
  let i = 1;
  const skip = (): void => {
    while (i < s.length - 1 && /[\s,]/.test(s[i])) i++;
  };
  skip();
  while (i < s.length - 1) {
    const quote = s[i];
    if (quote !== "'" && quote !== '"') throw bad(`expected a quoted string at ${i}`);
    let value = '';
    i++;
    for (;;) {
      if (i >= s.length - 1) throw bad('a string is not closed');
      const c = s[i];
      if (c === quote) break;
      if (c === '\\') {
        const next = s[i + 1];
        if (next === 'x') {
          value += String.fromCharCode(parseInt(s.slice(i + 2, i + 4), 16));
          i += 4;
          continue;
        }
        value += ESCAPES[next] ?? '\\' + next;
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    items.push(value);
    i++;
    skip();
  }
  return items;
}
