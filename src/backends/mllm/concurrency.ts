// Bounded concurrency. mapWithConcurrency: at most `limit` calls in flight, results in input order;
// the first failure stops new calls from starting and is rethrown once the ones in flight have
// settled. CallLimiter: at most `limit` calls in flight however many callers there are.
/** Requests in flight to the server from one recogniser, by default. */
export const DEFAULT_MLLM_CONCURRENCY = 4;

export async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index], index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.error;
  return results;
}

/** At most `limit` calls of `run` in flight; the others wait their turn, first come first served. */
export class CallLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      // The slot passes straight to the next in line, so a newcomer cannot take it in between.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
