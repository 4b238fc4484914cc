// A `--labels a,b` option, read one way by every command that takes one: each label once, and a list
// that names none refused (an empty list wrote an empty file with exit 0; a label given twice wrote
// records sharing an id).
import { EcommirError } from '../errors.js';

/** The labels a `--labels` value names, in its order, each once; undefined when the flag was not given. */
export function labelListOption(value: string | undefined, flag = '--labels'): string[] | undefined {
  if (value === undefined) return undefined;
  const labels = [...new Set(value.split(',').map((l) => l.trim()).filter((l) => l !== ''))];
  if (labels.length === 0) throw new EcommirError('ECM_ERR_BAD_OPTION', `${flag} names no label, got ${JSON.stringify(value)}: give labels separated by commas, or leave the option out for all`);
  return labels;
}
