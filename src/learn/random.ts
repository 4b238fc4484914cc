// A small seeded PRNG so that splits, initialisations and minibatch orders are reproducible
// without a dependency. sfc32 (Chris Doty-Humphrey's Small Fast Counting generator) passes
// PractRand to large sizes and is fast in 32-bit integer JavaScript arithmetic.

export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal sample (Box–Muller, the spare value is cached). */
  normal(): number;
  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<T>(array: T[]): T[];
  shuffle<A extends { length: number; [i: number]: number }>(array: A): A;
}

/** Deterministic generator: the same seed always yields the same sequence. */
export function createRng(seed: number): Rng {
  // Seed the four 32-bit words from the number (splitmix32-style mixing), then warm up.
  let s = (Math.floor(seed) >>> 0) ^ 0x9e3779b9;
  const mix = (): number => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = mix();
  let b = mix();
  let c = mix();
  let d = 1;

  const nextUint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 15; i++) nextUint32();

  const next = (): number => nextUint32() / 4294967296;
  let spareNormal: number | null = null;

  return {
    next,
    int(n: number): number {
      return Math.floor(next() * n);
    },
    normal(): number {
      if (spareNormal !== null) {
        const v = spareNormal;
        spareNormal = null;
        return v;
      }
      let u = 0;
      while (u === 0) u = next(); // log(0) is -Infinity
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spareNormal = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    shuffle(array: any): any {
      for (let i = array.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        const tmp = array[i];
        array[i] = array[j];
        array[j] = tmp;
      }
      return array;
    },
  };
}
