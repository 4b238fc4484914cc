// Linux's SCHED_IDLE policy for worker processes, through util-linux's chrt. A nice value only
// weighs a thread's share of the CPU: a text request that wakes while a nice-10 image thread runs
// still waits for that thread's slice (measured: busy scene clients halved the text lane's
// throughput). A thread at normal priority that wakes preempts a SCHED_IDLE thread at once, and an
// idle machine still gives the SCHED_IDLE threads every core. A process started under it passes
// the policy to every thread it starts, onnxruntime's included.
// Left alone, the kernel would also put such a process in the idle I/O class, whose reads (a model
// loading) wait behind every other disk user; ionice keeps it in the best-effort class, lowest level.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/** A command prefix: run `execPath ...args command ...` to run `command` under SCHED_IDLE. */
export interface IdleLauncher {
  execPath: string;
  args: readonly string[];
}

let found: IdleLauncher | null | undefined;

/**
 * The launcher that starts commands under SCHED_IDLE on this machine, or undefined where chrt or
 * ionice is missing or the kernel refuses the policy (another system, a sandbox that forbids
 * sched_setscheduler). Looked up once per process, with one short child process: the first pool
 * that asks (the service's, before it listens) pays it.
 */
export function idleLauncher(): IdleLauncher | undefined {
  if (found === undefined) found = probeIdleLauncher() ?? null;
  return found ?? undefined;
}

/** Builds the launcher from one chrt and ionice (default: the first on PATH), checked by running `true` through it. */
export function probeIdleLauncher(chrt = onPath('chrt'), ionice = onPath('ionice')): IdleLauncher | undefined {
  if (process.platform !== 'linux' || chrt === undefined || ionice === undefined) return undefined;
  const launcher: IdleLauncher = { execPath: chrt, args: ['--idle', '0', ionice, '-c', '2', '-n', '7'] };
  // `true` itself runs under SCHED_IDLE: on a machine busy at start-up it waits for a free moment.
  const probe = spawnSync(launcher.execPath, [...launcher.args, 'true'], { stdio: 'ignore', timeout: 30_000 });
  return probe.status === 0 ? launcher : undefined;
}

/** Absolute folders only: a relative PATH entry would pick a program from wherever the service was started. */
function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!isAbsolute(dir)) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}
