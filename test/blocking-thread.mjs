// A piscina thread for test/thread-pool-stop.test.ts: a task blocks in a child process for
// `blockMs`, where terminate() cannot stop it, so an aborted task's thread exits only after that.
import { execFileSync } from 'node:child_process';

export default ({ blockMs }) => {
  if (blockMs > 0) execFileSync('sleep', [String(blockMs / 1000)]);
  return 'done';
};
