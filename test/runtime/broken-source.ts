// Worker sources that fail, for test/runtime/pool.test.ts.
export function crashes(): never {
  process.exit(3);
}

export function throws(): never {
  throw new Error('no model here');
}
