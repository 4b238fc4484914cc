// Long synchronous work in slices, so that the event loop serves other requests in between: the
// work is written once as a generator that yields wherever pausing is safe and each step is short,
// then run either to the end at once (a library call, a benchmark) or in slices of a few
// milliseconds with a turn of the event loop after each (a request handler).

/** How long one slice may hold the event loop, ms. */
export const SLICE_MS = 8;

/** Runs the steps to the end without pausing. */
export function runToEnd<R>(steps: Generator<unknown, R>): R {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * Runs the steps to the end, letting the event loop turn (setImmediate: I/O and timers go first) once a slice has held it `sliceMs`.
 * The clock is read after every step: steps differ in length (a signature of a 100,000-character
 * dialogue is one step of 10–45 ms, a sketch comparison a few µs), so counting steps cannot bound a
 * slice. Measured on the review order (1000 pooled + 200 labelled dialogues of 1,400 characters,
 * ~295,000 steps, 2 cores): CPU time 1,146–1,208 ms sliced against 1,129–1,162 ms run to end
 * (min–median of 7), of which ~17 ms are the clock reads and a few ms the ~150 turns of the loop.
 */
export async function runInSlices<R>(steps: Generator<unknown, R>, sliceMs = SLICE_MS): Promise<R> {
  // Behind work already waiting for its turn: K pieces started in one turn would each take a first slice in it.
  if (waiting.length > 0) await nextTurn();
  const slice = new SliceClock(sliceMs);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    const turn = slice.turnIfSpent();
    if (turn) await turn;
  }
}

/** Sliced work waiting to go on, oldest first, and whether a turn of the loop will resume the first. */
const waiting: (() => void)[] = [];
let resumeScheduled = false;

/**
 * Resumes one waiting piece of work per turn of the event loop, in turn. Each used to wait for its
 * own setImmediate, and Node runs every immediate queued before a turn's check phase in that phase:
 * N pieces of sliced work held the loop N slices at a time (32 BMP conversions at once, up to 0.8 s).
 */
function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => {
    waiting.push(resolve);
    if (!resumeScheduled) {
      resumeScheduled = true;
      setImmediate(resumeOne);
    }
  });
}

function resumeOne(): void {
  const resume = waiting.shift()!;
  // Queued in this check phase, so it runs in the next turn, after that turn's I/O and timers.
  resumeScheduled = waiting.length > 0;
  if (resumeScheduled) setImmediate(resumeOne);
  resume();
}

/**
 * The clock of one slice, for work that is not a generator of steps (an async generator of output
 * chunks, say): ask after each short step, and await the turn of the event loop it may hand back.
 * No promise is made while the slice lasts, so asking costs a clock read. All sliced work in a
 * thread takes turns: one slice a turn of the loop, whoever's it is, so that however many run at
 * once, the loop is held one slice at a time.
 */
export class SliceClock {
  private start = performance.now();

  constructor(private readonly sliceMs = SLICE_MS) {}

  /** A turn of the event loop (I/O and timers go first, then one waiting slice) once the slice has held it `sliceMs`, else undefined. */
  turnIfSpent(): Promise<void> | undefined {
    if (performance.now() - this.start < this.sliceMs) return undefined;
    return nextTurn().then(() => {
      this.start = performance.now();
    });
  }
}

/** `items.map(f)` as steps, one item each: for an `f` that may take a while per item. */
export function* mapSteps<T, R>(items: readonly T[], f: (item: T) => R): Generator<void, R[]> {
  const out: R[] = [];
  for (const item of items) {
    out.push(f(item));
    yield;
  }
  return out;
}
