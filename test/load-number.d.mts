/** The next load number of a test thread (load-number.mjs, plain JavaScript for the threads that run without tsx). */
export function takeLoadNumber(dir: string): number;
