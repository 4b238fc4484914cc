// A piscina thread for test/renewable-thread-pool.test.ts that fails after it has loaded, holding no
// task: the first thread to find the file `fail-now` in workerData.dir renames it `threw-N` (N its
// load number) and throws; the others, and the replacements, go on. A task writes `started-N`, then
// spins for `spinMs`; a spinning thread's timers wait for the task, so an idle thread is the one that fails.
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { workerData } from 'node:worker_threads';
import { takeLoadNumber } from './load-number.mjs';

const load = takeLoadNumber(workerData.dir);
const poll = setInterval(() => {
  try {
    renameSync(join(workerData.dir, 'fail-now'), join(workerData.dir, `threw-${load}`));
  } catch {
    return; // not there yet, or another thread took it
  }
  clearInterval(poll);
  throw new Error(`thread ${load} failed after loading`);
}, 10);

export default ({ spinMs = 0 } = {}) => {
  writeFileSync(join(workerData.dir, `started-${load}`), '');
  const until = Date.now() + spinMs;
  while (Date.now() < until);
  return load;
};
