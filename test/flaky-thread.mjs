// A piscina thread for test/renewable-thread-pool.test.ts. Each thread that starts takes the next
// load number (a file in workerData.dir), and fails as it loads, holding no task (as a thread out of
// memory would), unless the file `healthy` is in that folder. A task spins for `spinMs`, then answers
// with its thread's load number.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { workerData } from 'node:worker_threads';
import { takeLoadNumber } from './load-number.mjs';

const load = takeLoadNumber(workerData.dir);
if (!existsSync(join(workerData.dir, 'healthy'))) {
  setTimeout(() => {
    throw new Error(`load ${load} failed`);
  }, 0);
  await new Promise(() => setInterval(() => {}, 60_000));
}

export default ({ spinMs = 0 } = {}) => {
  const until = Date.now() + spinMs;
  while (Date.now() < until);
  return load;
};
