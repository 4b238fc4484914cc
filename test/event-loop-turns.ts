// Counting the event loop's turns while some work runs: work that never pauses lets none through.

/** Runs `work`, counting the turns of the event loop (a chain of setImmediate) until it settles. */
export async function turnsWhile<T>(work: () => Promise<T>): Promise<{ turns: number; value: T }> {
  let turns = 0;
  let counting = true;
  const count = () => {
    turns++;
    if (counting) setImmediate(count);
  };
  setImmediate(count);
  try {
    const value = await work();
    return { turns, value };
  } finally {
    counting = false;
  }
}
