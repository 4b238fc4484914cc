// A piscina thread for test/thread-pool-stop.test.ts: a task blocks in a child process for
// `blockMs`, where terminate() cannot stop it, so an aborted task's thread exits only after that.
// It writes `startedFile` as it starts to block.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

export default ({ blockMs, startedFile }) => {
  if (startedFile) writeFileSync(startedFile, '');
  if (blockMs > 0) execFileSync('sleep', [String(blockMs / 1000)]);
  return 'done';
};
