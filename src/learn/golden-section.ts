// Golden-section search for the minimum of a unimodal function of one variable: what the temperature
// fits use (NLL is unimodal in log T). Each step keeps one of the two interior evaluations, so a
// bracket shrinks by 0.618 per function call.

export interface GoldenSectionOptions {
  /** Stop after this many steps. */
  maxSteps: number;
  /** Stop when the bracket is narrower than this. */
  tolerance: number;
}

/** The midpoint of the final bracket around the minimum of f on [lo, hi]. */
export function goldenSectionMinimize(f: (x: number) => number, lo: number, hi: number, options: GoldenSectionOptions): number {
  const ratio = (Math.sqrt(5) - 1) / 2;
  let x1 = hi - ratio * (hi - lo);
  let x2 = lo + ratio * (hi - lo);
  let f1 = f(x1);
  let f2 = f(x2);
  for (let step = 0; step < options.maxSteps && hi - lo > options.tolerance; step++) {
    if (f1 < f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - ratio * (hi - lo);
      f1 = f(x1);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + ratio * (hi - lo);
      f2 = f(x2);
    }
  }
  return (lo + hi) / 2;
}
