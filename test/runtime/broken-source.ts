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

/**
 * The first process to start loads, holding `megabytes` of memory, which makes it slower to die than
 * the others, which never load. It writes `readyFile` when loaded.
 */
export async function firstLoadsHeavy(args: { lockFile: string; readyFile: string; megabytes: number }): Promise<Record<string, never>> {
  const { writeFileSync } = await import('node:fs');
  try {
    writeFileSync(args.lockFile, String(process.pid), { flag: 'wx' });
  } catch {
    return new Promise<never>(() => setInterval(() => {}, 60_000));
  }
  (globalThis as { ballast?: Buffer }).ballast = Buffer.alloc(args.megabytes << 20, 1);
  writeFileSync(args.readyFile, '');
  return {};
}

/**
 * Threads count their loads in `dir`. Load number `faultingLoad` fails outside any call (an uncaught
 * error in its thread, which piscina reports as the pool's 'error' event) and never finishes; with
 * `secondOfTwo`, the one of two threads that piscina created second fails instead (it holds no call:
 * piscina gives the first call to the first). The others load the fake recognisers (`fakes` are their
 * options), after that fault when `afterFault` (so the fault comes while the pool is still starting).
 */
export async function faultsWhileLoading(args: {
  dir: string;
  faultingLoad?: number;
  secondOfTwo?: boolean;
  afterFault?: boolean;
  fakes?: Parameters<typeof import('../server/fakes.js').createRecognizerSet>[0];
}): Promise<unknown> {
  const { existsSync, readdirSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { threadId } = await import('node:worker_threads');
  // A wait that runs out fails this load, naming what it waited for, rather than going on as if it had come.
  const { until } = await import('../until.js');
  const { takeLoadNumber } = await import('../load-number.mjs');
  const load = takeLoadNumber(args.dir);
  let faults = load === args.faultingLoad;
  if (args.secondOfTwo) {
    writeFileSync(join(args.dir, `thread-${threadId}`), '');
    const threads = (): number[] => readdirSync(args.dir).filter((f) => f.startsWith('thread-')).map((f) => Number(f.slice('thread-'.length)));
    await until('a second thread of the pool', () => threads().length >= 2, 20_000);
    faults = threadId === Math.max(...threads());
  }
  const faulted = join(args.dir, 'faulted');
  if (faults) {
    setTimeout(() => {
      writeFileSync(faulted, '');
      throw new Error('a thread fault outside any call');
    }, 0);
    return new Promise<never>(() => setInterval(() => {}, 60_000));
  }
  if (args.afterFault) {
    await until("the faulting thread's fault", () => existsSync(faulted), 20_000);
    // The fault's message reaches the main thread after the file: this load's answer must come later.
    await new Promise((r) => setTimeout(r, 200));
  }
  return (await import('../server/fakes.js')).createRecognizerSet(args.fakes);
}
