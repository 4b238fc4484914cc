// sharp is imported at the first image, not with the modules that use it: loading it takes about
// 100 ms, which `ecommir/data` should not cost a caller that reads no image. Callers write
// `sharpIfLoaded() ?? (await loadSharp())`, so that only the first image waits for it.
import type sharp from 'sharp';

let loaded: typeof sharp | undefined;

export function sharpIfLoaded(): typeof sharp | undefined {
  return loaded;
}

export async function loadSharp(): Promise<typeof sharp> {
  return (loaded ??= (await import('sharp')).default);
}
