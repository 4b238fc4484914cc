// The data file a command reads, given as its argument (`ecommir predict dev.json --out p.csv`), as
// most tools take their input, or as `--data <file>`, which scripts and model cards already use.
import type { Command } from 'commander';
import { EcommirError } from '../errors.js';

/** Adds the optional `[file]` argument and the `--data <file>` option, both described by `description`. */
export function addDataFile(command: Command, description: string): Command {
  return command.argument('[file]', `${description} (or --data <file>)`).option('--data <file>', description);
}

/** The data file of a command built with addDataFile: its argument or --data, exactly one of them. */
export function dataFileOf(argument: string | undefined, option: string | undefined): string {
  if (argument !== undefined && option !== undefined && argument !== option) {
    throw new EcommirError('ECM_ERR_BAD_OPTION', `two data files given, ${argument} and --data ${option}: give one`);
  }
  const file = argument ?? option;
  if (file === undefined) throw new EcommirError('ECM_ERR_BAD_OPTION', 'no data file given: name it as the argument or with --data <file>');
  return file;
}

/** Command flags as commander parses them for a command built with addDataFile: `data` may be absent. */
export type WithOptionalData<Flags extends { data: string }> = Omit<Flags, 'data'> & { data?: string };
