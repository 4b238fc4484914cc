// Stopping a piscina pool for good. Piscina 5.3.2's destroy() (and close(), which ends with it) waits
// only for the threads the pool still lists. A thread it dropped before (one that failed, or whose
// call was aborted) may exit after that, and if piscina had counted it as ready, its exit starts the
// pool's minimum of threads again, on the stopped pool (seen 2026-12-06 in review: threads that loaded
// their models after a failed start, never stopped). A pool stopped here has that minimum set to 0:
// piscina reads it from the same options object (the `options` getter) at every exit.
import type { Piscina } from 'piscina';

function startNoMoreThreads(pool: Piscina): void {
  (pool.options as { minThreads: number }).minThreads = 0;
}

/** destroy() for good: queued and running tasks are rejected, and no thread starts again. */
export async function stopForGood(pool: Piscina): Promise<void> {
  // Before the destroy, so that an exit during it starts nothing either (a second destroy() run at the
  // same time ends piscina's "destroying" state early).
  startNoMoreThreads(pool);
  await pool.destroy();
}

/** close() for good: queued and running tasks finish first, then no thread starts again. */
export async function closeForGood(pool: Piscina): Promise<void> {
  // Not before: while the pool finishes its tasks, a minimum of 0 would let idle threads end, and
  // their idle timeout (ours: Number.MAX_SAFE_INTEGER) overflows Node's timers to 1 ms.
  await pool.close();
  startNoMoreThreads(pool);
}
