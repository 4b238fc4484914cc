// Worker sources that fail, for test/runtime/pool.test.ts.
export function crashes(): never {
  process.exit(3);
}

export function throws(): never {
  throw new Error('no model here');
}

/** Never finishes loading; a process (not a thread) first writes its pid to `pidFile`, so a test can tell it was stopped. */
export async function neverLoads(args: { pidFile: string }): Promise<never> {
  const { isMainThread } = await import('node:worker_threads');
  if (isMainThread) (await import('node:fs')).writeFileSync(args.pidFile, String(process.pid));
  return new Promise<never>(() => setInterval(() => {}, 60_000));
}
