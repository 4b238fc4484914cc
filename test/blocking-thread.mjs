// A piscina thread for test/thread-pool-stop.test.ts: a task blocks in a child process, where
// terminate() cannot stop it, so an aborted task's thread exits only after that. The child writes
// `startedFile` itself: once the file exists, the thread is inside the blocking call. (Written by the
// thread before the call, an abort seen between the two ended the thread at once: CI of 2026-12-07,
// two test files side by side.) It blocks until `releaseFile` exists, or for `blockMs` at most.
import { execFileSync } from 'node:child_process';

const WAIT = `: > "$1"; i=0; while [ ! -e "$2" ] && [ "$i" -lt "$3" ]; do sleep 0.05; i=$((i + 1)); done`;

export default ({ blockMs, startedFile, releaseFile }) => {
  if (blockMs > 0) execFileSync('sh', ['-c', WAIT, 'sh', startedFile, releaseFile, String(Math.ceil(blockMs / 50))]);
  return 'done';
};
