// Where a worker thread gets its recognisers: a module and the name of a factory it exports,
// called with plain JSON arguments (a worker cannot be handed live objects). The embedded models,
// the mllm and clip backends all come through backendSource(); tests plug in their own factories.
import type { BackendSelection, RecognizerSet } from '../backends/select.js';

export interface RecognizerSource {
  /** URL (file:) of an ES module. */
  module: string;
  /** Name of its export: `(args) => Promise<RecognizerSet>`. Default `createRecognizerSet`. */
  export?: string;
  /** Plain JSON given to the factory. */
  args?: unknown;
}

export type RecognizerFactory = (args: unknown) => Promise<RecognizerSet> | RecognizerSet;

// The same module from src/ (run through tsx) and from dist/.
const EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** The recognisers `--backend` selects (default: the shipped embedded models), loaded in each worker. */
export function backendSource(selection: BackendSelection): RecognizerSource {
  return { module: new URL(`./backend-factory${EXTENSION}`, import.meta.url).href, export: 'createRecognizerSet', args: selection };
}

/** No recognisers: for pools that only run functions (feature passes, see RecognizerPool.run). */
export function noRecognizers(): RecognizerSet {
  return {};
}

export const NO_RECOGNIZERS: RecognizerSource = { module: import.meta.url, export: 'noRecognizers' };

/** A function of one of this package's modules, by its path under src/ (or dist/), for RecognizerPool.run. */
export function packageFunction(pathUnderSrc: string, name: string): { module: string; export: string } {
  return { module: new URL(`../${pathUnderSrc}${EXTENSION}`, import.meta.url).href, export: name };
}

/** Imports the module and calls the factory. */
export async function loadRecognizerSource(source: RecognizerSource): Promise<RecognizerSet> {
  const module = (await import(source.module)) as Record<string, unknown>;
  const name = source.export ?? 'createRecognizerSet';
  const factory = module[name];
  if (typeof factory !== 'function') throw new Error(`${source.module} has no function export ${name}`);
  return (factory as RecognizerFactory)(source.args);
}
