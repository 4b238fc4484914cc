// A piscina thread for test/thread-pool-stop.test.ts: a task blocks in a child process for
// `blockMs`, where terminate() cannot stop it, so an aborted task's thread exits only after that.
// The child writes `startedFile` itself: once the file exists, the thread is inside the blocking call.
// (Written by the thread before the call, an abort seen between the two ended the thread at once:
// CI of 2026-12-07, two test files side by side.)
import { execFileSync } from 'node:child_process';

export default ({ blockMs, startedFile }) => {
  if (blockMs > 0) {
    const seconds = String(blockMs / 1000);
    if (startedFile) execFileSync('sh', ['-c', ': > "$1" && exec sleep "$2"', 'sh', startedFile, seconds]);
    else execFileSync('sleep', [seconds]);
  }
  return 'done';
};
