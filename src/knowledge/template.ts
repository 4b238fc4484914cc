// A tiny template language for knowledge files, so that one reviewable line stands for many
// phrasings: `(a|b|c)` picks one alternative, `[x]` keeps x half of the time, `{name}` asks the
// caller for a slot value (itself a template, expanded in turn). Everything else is literal text;
// Chinese text uses full-width brackets, so the ASCII ones are free for the syntax.
import { EcommirError } from '../errors.js';
import type { Rng } from '../learn/random.js';

export type TemplateNode =
  | { kind: 'text'; text: string }
  | { kind: 'choice'; options: TemplateNode[][] }
  | { kind: 'optional'; body: TemplateNode[] }
  | { kind: 'slot'; name: string };

/**
 * Resolves a slot name to a template string, expanded in turn, or to `{ literal }`, inserted as is
 * (for text that was already expanded and may hold brackets). The caller decides how values are drawn.
 */
export type SlotResolver = (name: string) => string | { literal: string };

const cache = new Map<string, TemplateNode[]>();

/** Parses a template; throws ECM_ERR_BAD_JSON naming the template on unbalanced brackets. */
export function parseTemplate(template: string): TemplateNode[] {
  const cached = cache.get(template);
  if (cached) return cached;
  let i = 0;
  const fail = (why: string): never => {
    throw new EcommirError('ECM_ERR_BAD_JSON', `template "${template}": ${why} at character ${i}`);
  };
  // Reads a sequence until one of `stops` (not consumed) or the end.
  const sequence = (stops: string): TemplateNode[] => {
    const nodes: TemplateNode[] = [];
    let text = '';
    const flush = (): void => {
      if (text !== '') nodes.push({ kind: 'text', text });
      text = '';
    };
    while (i < template.length && !stops.includes(template[i])) {
      const c = template[i];
      if (c === '(') {
        flush();
        i++;
        const options: TemplateNode[][] = [sequence('|)')];
        while (template[i] === '|') {
          i++;
          options.push(sequence('|)'));
        }
        if (template[i] !== ')') fail('"(" is not closed');
        i++;
        nodes.push({ kind: 'choice', options });
      } else if (c === '[') {
        flush();
        i++;
        const body = sequence(']');
        if (template[i] !== ']') fail('"[" is not closed');
        i++;
        nodes.push({ kind: 'optional', body });
      } else if (c === '{') {
        flush();
        const end = template.indexOf('}', i);
        if (end < 0) fail('"{" is not closed');
        const name = template.slice(i + 1, end).trim();
        if (!/^[\w-]+$/.test(name)) fail(`bad slot name "${name}"`);
        nodes.push({ kind: 'slot', name });
        i = end + 1;
      } else if (c === ')' || c === ']' || c === '|' || c === '}') {
        fail(`unexpected "${c}"`);
      } else {
        text += c;
        i++;
      }
    }
    flush();
    return nodes;
  };
  const nodes = sequence('');
  if (i < template.length) fail(`unexpected "${template[i]}"`);
  cache.set(template, nodes);
  return nodes;
}

/** The slot names a template uses (for validating knowledge files). */
export function templateSlots(template: string): string[] {
  const names = new Set<string>();
  const walk = (nodes: TemplateNode[]): void => {
    for (const n of nodes) {
      if (n.kind === 'slot') names.add(n.name);
      else if (n.kind === 'choice') n.options.forEach(walk);
      else if (n.kind === 'optional') walk(n.body);
    }
  };
  walk(parseTemplate(template));
  return [...names];
}

const MAX_DEPTH = 8;

/** Expands a template with the rng; slot values are expanded recursively (depth-limited). */
export function expandTemplate(template: string, rng: Rng, resolve: SlotResolver, depth = 0): string {
  if (depth > MAX_DEPTH) throw new EcommirError('ECM_ERR_BAD_JSON', `template "${template}": slots nest more than ${MAX_DEPTH} deep`);
  const render = (nodes: TemplateNode[]): string => {
    let out = '';
    for (const n of nodes) {
      if (n.kind === 'text') out += n.text;
      else if (n.kind === 'choice') out += render(n.options[rng.int(n.options.length)]);
      else if (n.kind === 'optional') out += rng.next() < 0.5 ? render(n.body) : '';
      else {
        const value = resolve(n.name);
        out += typeof value === 'string' ? expandTemplate(value, rng, resolve, depth + 1) : value.literal;
      }
    }
    return out;
  };
  return render(parseTemplate(template));
}

/** How many distinct strings a template can produce, counting each slot as one (a size hint). */
export function templateVariety(template: string): number {
  const count = (nodes: TemplateNode[]): number =>
    nodes.reduce((acc, n) => {
      if (n.kind === 'choice') return acc * n.options.reduce((s, o) => s + count(o), 0);
      if (n.kind === 'optional') return acc * (count(n.body) + 1);
      return acc;
    }, 1);
  return count(parseTemplate(template));
}
