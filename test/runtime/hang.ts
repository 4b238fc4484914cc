// A worker function that never answers: a call to it ends only by its abort, which stops its worker
// (the pool then starts a replacement, loading the recognisers again).
export const HANG_MODULE = import.meta.url;

export function hang(): Promise<never> {
  return new Promise<never>(() => {});
}
