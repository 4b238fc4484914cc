// Worker processes for recogniser calls that use native libraries: a worker thread cannot be
// stopped safely while onnxruntime runs (terminating it aborts the whole service: measured with
// onnxruntime-node 1.30), and a decode on libuv's thread pool outlives its thread. A process can
// always be killed, and everything it was doing stops with it. Same contract as a piscina pool:
// bounded queue, an AbortSignal per call (dropped while queued, killed and replaced while running),
// and an idle pool does not keep the parent alive: a script that never calls close() still ends
// (its processes then see the channel close and exit, process-worker.ts).
import { fork, type ChildProcess } from 'node:child_process';
import { getPriority, setPriority } from 'node:os';
import { chainLaunchers, idleLauncher, niceLauncher, type Launcher } from './priority-launchers.js';
import type { WorkerInit, WorkerTask } from './worker-core.js';

const FROM_SOURCE = import.meta.url.endsWith('.ts');
const ENTRY = new URL(FROM_SOURCE ? './process-worker.ts' : './process-worker.js', import.meta.url);

export class QueueFullError extends Error {}

interface Job {
  task: WorkerTask;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

interface Slot {
  child: ChildProcess;
  ready: boolean;
  job?: Job;
  jobId: number;
}

export interface ProcessPoolOptions {
  processes: number;
  maxQueue: number;
  init: WorkerInit;
  /**
   * Nice increment of each process over this one's (1–19; less is ignored, since raising a priority
   * needs privilege). Given to Node as it starts, through nice where that is on PATH
   * (priority-launchers.ts), so every thread has it; elsewhere set right after fork, which reaches
   * the first thread and those it starts later, while threads Node started before may keep the old value.
   */
  niceIncrement?: number;
  /**
   * Start each process under SCHED_IDLE where chrt can (priority-launchers.ts), so that a thread at
   * normal priority that wakes takes a core from it at once. The policy gives the process the
   * kernel's lowest weight whatever its nice value: niceIncrement then counts only where the policy
   * is not available. Default false.
   */
  idleScheduling?: boolean;
}

export class ProcessPool {
  readonly #slots = new Set<Slot>();
  readonly #queue: Job[] = [];
  #closing = false;
  /** Until the first processes have loaded, someone awaits `started`: they keep the parent alive. */
  #starting = true;
  #nextId = 0;
  /** Why the last process that ended before it loaded did (told to callers once none is left). */
  #startFailure?: string;
  terminated = 0;
  /** Resolves when every process has loaded (or failed to load) its recognisers once. */
  readonly started: Promise<void>;

  constructor(private readonly options: ProcessPoolOptions) {
    const starting: Promise<void>[] = [];
    for (let i = 0; i < options.processes; i++) starting.push(this.spawn());
    this.started = Promise.all(starting).then(() => {
      this.#starting = false;
      this.holdWhileWorking();
    });
  }

  get queueSize(): number {
    return this.#queue.length;
  }

  private spawn(): Promise<void> {
    const nodeArgs = FROM_SOURCE ? ['--import', 'tsx'] : [];
    const increment = Math.min(19, Math.max(0, Math.trunc(this.options.niceIncrement ?? 0)));
    const nice = increment > 0 ? niceLauncher(increment) : undefined;
    const idle = this.options.idleScheduling ? idleLauncher() : undefined;
    const launcher: Launcher | undefined = nice && idle ? chainLaunchers(nice, idle) : (nice ?? idle);
    // Through nice, chrt and ionice, which replace themselves with Node: same pid, and the IPC
    // channel's descriptor and environment pass through the exec.
    const child = fork(ENTRY, [], {
      ...(launcher ? { execPath: launcher.execPath, execArgv: [...launcher.args, process.execPath, ...nodeArgs] } : { execArgv: nodeArgs }),
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    if (increment > 0 && !nice && child.pid !== undefined) {
      try {
        // Relative, as nice is: setting the bare increment under a service already niced would raise the
        // worker's priority, or fail without privilege.
        setPriority(child.pid, Math.min(19, getPriority() + increment));
      } catch {
        // Not allowed here: the process keeps this one's priority.
      }
    }
    const slot: Slot = { child, ready: false, jobId: -1 };
    this.#slots.add(slot);
    this.holdWhileWorking();
    return new Promise<void>((resolve) => {
      child.on('message', (message: { type: string; id?: number; reply?: unknown }) => {
        if (message.type === 'ready') {
          slot.ready = true;
          resolve();
          this.dispatch();
          this.holdWhileWorking();
        } else if (message.type === 'result' && slot.job && message.id === slot.jobId) {
          const job = slot.job;
          slot.job = undefined;
          job.signal?.removeEventListener('abort', job.onAbort!);
          job.resolve(message.reply);
          this.dispatch();
          this.holdWhileWorking();
        }
      });
      let ended = false;
      const end = (why: string) => {
        if (ended) return;
        ended = true;
        this.#slots.delete(slot);
        resolve();
        const job = slot.job;
        slot.job = undefined;
        if (job) {
          job.signal?.removeEventListener('abort', job.onAbort!);
          job.reject(new Error(`the worker process ended while working (${why})`));
        }
        if (this.#closing || (slot as { killed?: boolean }).killed) return; // replaced already, or closing
        if (!slot.ready) this.#startFailure = why;
        if (slot.ready) {
          void this.spawn(); // died while serving: replace it
        } else if (this.#slots.size === 0) {
          // Died before it could load: respawning would loop. Nothing can serve the queue.
          const error = new Error(`the worker processes could not start (${why})`);
          for (const queued of this.#queue.splice(0)) queued.reject(error);
        }
      };
      child.once('exit', (code, signal) => end(signal ?? `exit code ${code}`));
      // A process that could not be started at all (its program missing) reports an error and no
      // exit. Any other error is a message sent as the process ended: its exit follows.
      child.on('error', (err) => {
        if (child.pid === undefined) end(err.message);
      });
      child.send({ type: 'init', init: this.options.init });
    });
  }

  run(task: WorkerTask, signal?: AbortSignal): Promise<unknown> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#closing) return Promise.reject(new Error('the pool is closed'));
    if (this.#slots.size === 0) {
      return Promise.reject(new Error(`the pool has no worker process (they could not start${this.#startFailure ? `: ${this.#startFailure}` : ''})`));
    }
    const idle = [...this.#slots].some((s) => s.ready && !s.job);
    if (!idle && this.#queue.length >= this.options.maxQueue) return Promise.reject(new QueueFullError('queue is at limit'));
    return new Promise((resolve, reject) => {
      const job: Job = { task, resolve, reject, signal };
      job.onAbort = () => this.abort(job);
      signal?.addEventListener('abort', job.onAbort, { once: true });
      this.#queue.push(job);
      this.dispatch();
      this.holdWhileWorking();
    });
  }

  /**
   * A process (its handle and IPC channel) keeps the parent's event loop alive only while it has a
   * job, or is loading while calls wait for it, as piscina's threads do: a child process and its
   * channel are referenced by default, and an idle pool would hold a script open until close().
   */
  private holdWhileWorking(): void {
    // Once destroy() has begun it holds every process until its exit. Un-referenced here (by a
    // 'ready' in flight, or `started` settling as a sibling died first), a loaded process, slower to
    // die, left a caller awaiting destroy() with an empty event loop: exit code 13.
    if (this.#closing) return;
    const awaited = this.#starting || this.#queue.length > 0;
    for (const { child, ready, job } of this.#slots) {
      if (job || (!ready && awaited)) {
        child.ref();
        child.channel?.ref();
      } else {
        child.unref();
        child.channel?.unref();
      }
    }
  }

  private dispatch(): void {
    for (const slot of this.#slots) {
      if (this.#queue.length === 0) return;
      if (!slot.ready || slot.job) continue;
      const job = this.#queue.shift()!;
      slot.job = job;
      slot.jobId = this.#nextId++;
      slot.child.send({ type: 'task', id: slot.jobId, task: job.task });
    }
  }

  /** Drops a queued job; kills the process of a running one and starts a fresh process. */
  private abort(job: Job): void {
    const at = this.#queue.indexOf(job);
    if (at >= 0) {
      this.#queue.splice(at, 1);
      job.reject(job.signal?.reason);
      this.holdWhileWorking();
      return;
    }
    for (const slot of this.#slots) {
      if (slot.job !== job) continue;
      slot.job = undefined;
      (slot as { killed?: boolean }).killed = true;
      this.#slots.delete(slot);
      slot.child.kill('SIGKILL');
      this.terminated++;
      job.reject(job.signal?.reason);
      if (!this.#closing) void this.spawn();
      return;
    }
  }

  /** Finishes queued and running jobs, then ends the processes. */
  async close(): Promise<void> {
    while (this.#queue.length > 0 || [...this.#slots].some((s) => s.job)) await new Promise((r) => setTimeout(r, 20));
    await this.destroy();
  }

  /** Ends the processes now; queued and running jobs are rejected. */
  async destroy(): Promise<void> {
    this.#closing = true;
    for (const job of this.#queue.splice(0)) job.reject(new Error('the pool is closed'));
    const exits = [...this.#slots].map(
      (slot) =>
        new Promise<void>((resolve) => {
          // A process that could not be spawned has no pid and will never report an exit.
          if (slot.child.pid === undefined || slot.child.exitCode !== null || slot.child.signalCode !== null) return resolve();
          // An idle process is unreferenced: without this, a caller awaiting close() could see the
          // script end before the exit it waits for.
          slot.child.ref();
          slot.child.once('exit', () => resolve());
          slot.child.kill('SIGKILL');
        }),
    );
    await Promise.all(exits);
  }
}
