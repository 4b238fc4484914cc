// Where a piscina thread starts for a thread module. Node 20 does not run --import hooks in worker
// threads, so a thread started from src/ (through tsx) starts from the module's `<name>-tsx.mjs` shim,
// which registers tsx itself; the built package (dist/) starts the module directly.

/** The file URL of thread module `name` (no extension) beside `base`, the caller's import.meta.url. */
export function threadFile(base: string, name: string): string {
  return new URL(base.endsWith('.ts') ? `./${name}-tsx.mjs` : `./${name}.js`, base).href;
}
