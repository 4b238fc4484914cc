// Where a piscina thread starts for a thread module. Node 20 does not run --import hooks in worker
// threads, so a thread started from src/ (through tsx) starts from the module's `<name>-tsx.mjs` shim,
// which registers tsx itself; the built package (dist/) starts the module directly.

/** The file URL of thread module `name` (no extension) beside `base`, the caller's import.meta.url. */
export function threadFile(base: string, name: string): string {
  return new URL(base.endsWith('.ts') ? `./${name}-tsx.mjs` : `./${name}.js`, base).href;
}

/**
 * The flags a piscina thread starts with: none of the parent's (some are refused in threads, such as
 * --expose-gc, or make no sense there, such as --input-type), and require(esm) off. piscina loads its
 * task file with require() first and import() when that fails; on Node 20.19+ require() loads an ES
 * module synchronously, and twice (2026-12-05, once in CI and once in a local `npm test`) a thread
 * loading ours that way ended the whole process with a V8 fatal error ("v8::Module::IsGraphAsync must
 * be used on an instantiated module", from loadESMFromCJS). With require(esm) off, require() refuses
 * at once and import() loads it.
 */
export const THREAD_EXEC_ARGV: readonly string[] = (process.features as { require_module?: boolean }).require_module ? ['--no-experimental-require-module'] : [];
