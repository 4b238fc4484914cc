// A long-running command started through npm (`npx ecommir serve`, `npm run …`) runs as npm's child or
// grandchild (npm → sh -c → node). Stopping npm by its PID does not pass the signal on: npm and the
// shell go, and the server is left running under init. `watchLauncher` notices that its launcher
// is gone and calls back, so that the server stops as if it had been sent SIGTERM itself.
import { readFileSync } from 'node:fs';

/** The parent of `pid` from /proc (Linux); undefined elsewhere or when it cannot be read. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid …; comm may hold spaces and parentheses, so read after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) && ppid > 1 ? ppid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface LauncherWatch {
  stop(): void;
}

/**
 * When this process was started by npm (npm sets `npm_lifecycle_event`), calls `onGone` once, within
 * about `intervalMs`, after its parent or its parent's parent (npm itself, when a shell sits between)
 * has ended. Outside npm it does nothing: a server started by hand or under a supervisor keeps running
 * whatever happens to the shell that started it (nohup, systemd).
 */
export function watchLauncher(onGone: () => void, options: { intervalMs?: number; env?: NodeJS.ProcessEnv } = {}): LauncherWatch {
  const env = options.env ?? process.env;
  if (!env.npm_lifecycle_event) return { stop() {} };
  const parent = process.ppid;
  const grandparent = parentOf(parent);
  const timer = setInterval(() => {
    if (process.ppid === parent && alive(parent) && (grandparent === undefined || alive(grandparent))) return;
    clearInterval(timer);
    onGone();
  }, options.intervalMs ?? 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
