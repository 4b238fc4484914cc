// Command prefixes that start a worker process at a lower priority before Node runs in it, so that
// every thread the process ever has inherits it. Setting a nice value from the parent after fork
// (os.setPriority) reaches the process's first thread and the threads it starts later: the ones
// Node started before that call keep the old value, a race that the parent usually wins (not seen
// in 120 starts, idle or loaded) but need not.
//
// SCHED_IDLE, through util-linux's chrt: a nice value only weighs a thread's share of the CPU, so a
// text request that wakes while a nice-10 image thread runs still waits for that thread's slice
// (measured: busy scene clients halved the text lane's throughput). A thread at normal priority
// that wakes preempts a SCHED_IDLE thread at once, and an idle machine still gives the SCHED_IDLE
// threads every core. Left alone, the kernel would also put such a process in the idle I/O class,
// whose reads (a model loading) wait behind every other disk user; ionice keeps it in the
// best-effort class, lowest level.
//
// A nice value, through coreutils' nice: what holds where SCHED_IDLE is off or refused.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/** A command prefix: run `execPath ...args command ...` to run `command` with the launcher's priority. */
export interface Launcher {
  execPath: string;
  args: readonly string[];
}

let idleFound: Launcher | null | undefined;
const niceFound = new Map<number, Launcher | null>();

/**
 * The launcher that starts commands under SCHED_IDLE on this machine, or undefined where chrt or
 * ionice is missing or the kernel refuses the policy (another system, a sandbox that forbids
 * sched_setscheduler). Looked up once per process, with one short child process: the first pool
 * that asks (the service's, before it listens) pays it.
 */
export function idleLauncher(): Launcher | undefined {
  if (idleFound === undefined) idleFound = probeIdleLauncher() ?? null;
  return idleFound ?? undefined;
}

/** Builds the launcher from one chrt and ionice (default: the first on PATH), checked by running `true` through it. */
export function probeIdleLauncher(chrt = onPath('chrt'), ionice = onPath('ionice')): Launcher | undefined {
  if (process.platform !== 'linux' || chrt === undefined || ionice === undefined) return undefined;
  const launcher: Launcher = { execPath: chrt, args: ['--idle', '0', ionice, '-c', '2', '-n', '7'] };
  // `true` itself runs under SCHED_IDLE: on a machine busy at start-up it waits for a free moment.
  return runsTrue(launcher) ? launcher : undefined;
}

/**
 * The launcher that starts commands at nice `increment` (1–19), or undefined where no working nice
 * is on PATH (the caller then sets the value after fork). Looked up once per increment and process.
 */
export function niceLauncher(increment: number): Launcher | undefined {
  if (!niceFound.has(increment)) niceFound.set(increment, probeNiceLauncher(increment) ?? null);
  return niceFound.get(increment) ?? undefined;
}

/** Builds the launcher from one nice (default: the first on PATH), checked by running `true` through it. */
export function probeNiceLauncher(increment: number, nice = onPath('nice')): Launcher | undefined {
  if (process.platform === 'win32' || nice === undefined || !Number.isInteger(increment) || increment < 1 || increment > 19) return undefined;
  const launcher: Launcher = { execPath: nice, args: ['-n', String(increment)] };
  return runsTrue(launcher) ? launcher : undefined;
}

/** `outer` starting `inner` starting the command: both priorities apply. */
export function chainLaunchers(outer: Launcher, inner: Launcher): Launcher {
  return { execPath: outer.execPath, args: [...outer.args, inner.execPath, ...inner.args] };
}

function runsTrue(launcher: Launcher): boolean {
  const probe = spawnSync(launcher.execPath, [...launcher.args, 'true'], { stdio: 'ignore', timeout: 30_000 });
  return probe.status === 0;
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
