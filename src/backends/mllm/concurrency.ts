// Bounded concurrency. mapWithConcurrency: at most `limit` calls in flight, results in input order;
// the first failure stops new calls from starting and is rethrown once the ones in flight have
// settled.
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
