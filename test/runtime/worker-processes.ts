// The scheduling of this process's worker processes, read from /proc (Linux only).
import { readdirSync, readFileSync } from 'node:fs';

export const SCHED_OTHER = 0;
export const SCHED_IDLE = 5;

export interface ThreadScheduling {
  policy: number;
  nice: number;
}

/** Fields of a /proc stat file after the command name: index 16 is nice, 38 the policy. */
function statFields(path: string): string[] {
  const stat = readFileSync(path, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Policy and nice of every thread of each child process of this one that runs process-worker, by pid. */
export function workerThreads(): Map<number, ThreadScheduling[]> {
  const out = new Map<number, ThreadScheduling[]>();
  for (const pid of childProcesses(process.pid)) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('process-worker')) continue;
      const threads = readdirSync(`/proc/${pid}/task`).map((tid) => {
        const fields = statFields(`/proc/${pid}/task/${tid}/stat`);
        return { policy: Number(fields[38]), nice: Number(fields[16]) };
      });
      out.set(pid, threads);
    } catch {
      // a process that ended while it was read
    }
  }
  return out;
}

/** Pids of the child processes of `parent`. */
export function childProcesses(parent: number): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (Number(statFields(`/proc/${pid}/stat`)[1]) === parent) out.push(Number(pid));
    } catch {
      // a process that ended while it was read
    }
  }
  return out;
}
