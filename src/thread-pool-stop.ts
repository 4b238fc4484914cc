// Stopping a piscina pool for good. Piscina 5.3.2's destroy() (and close(), which ends with it) waits
// only for the threads the pool still lists. A thread it dropped before (one that failed, or whose
// call was aborted) may exit after that, and if piscina had counted it as ready (a first thread, or
// one that reported ready), its exit starts the pool's minimum of threads again, on the stopped pool
// (seen 2026-12-06 in review: threads that loaded their models after a failed start, never stopped).
// So every thread counted as ready is tracked until it exits, a stop waits for them all, and it stops
// again whatever their exits started.
import type { Piscina } from 'piscina';
import type { Worker } from 'node:worker_threads';

/** Exits still to come of the threads each tracked pool counted as ready. */
const PENDING_EXITS = new WeakMap<Piscina, Set<Promise<void>>>();

/** A stop waits this long at most for those exits (a thread stuck in native code may never end). */
const EXIT_WAIT_MS = 10_000;

/** Call right after `new Piscina(...)`: its first threads are counted as ready at once, later ones when they report ready. */
export function trackThreads(pool: Piscina): void {
  const pending = new Set<Promise<void>>();
  PENDING_EXITS.set(pool, pending);
  const seen = new WeakSet<Worker>();
  const note = (): void => {
    for (const worker of pool.threads) {
      if (seen.has(worker)) continue;
      seen.add(worker);
      const exited: Promise<void> = new Promise((resolve) =>
        worker.once('exit', () => {
          pending.delete(exited);
          resolve();
        }),
      );
      pending.add(exited);
    }
  };
  note();
  pool.on('workerCreate', note);
}

/** Waits for the exits of `pool`'s tracked threads, then stops the threads they started again. */
async function settle(pool: Piscina): Promise<void> {
  const pending = [...(PENDING_EXITS.get(pool) ?? [])];
  if (pending.length > 0) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(pending), new Promise((resolve) => (timer = setTimeout(resolve, EXIT_WAIT_MS).unref()))]);
    clearTimeout(timer);
  }
  // Started again by a late exit: they are listed, so this destroy() waits for them, and piscina
  // starts nothing while it does.
  if (pool.threads.length > 0) await pool.destroy();
}

/** destroy() for good: queued and running tasks are rejected. */
export async function stopForGood(pool: Piscina): Promise<void> {
  await pool.destroy();
  await settle(pool);
}

/** close() for good: queued and running tasks finish first. */
export async function closeForGood(pool: Piscina): Promise<void> {
  await pool.close();
  await settle(pool);
}
