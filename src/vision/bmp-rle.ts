// The run-length encodings of colour-table BMPs (RLE8 for 8 bits, RLE4 for 4): ImageMagick writes an
// 8-bit BMP this way by default. A run is expanded by native fills and copies, but the loop over the
// runs is JavaScript, a crafted file can hold millions of two-byte runs, and RLE4's literal runs are
// unpacked pixel by pixel: the expansion is written as steps (runtime/in-slices.ts) and run in slices
// of the event loop's time, as the service's other long work is, so a large file delays other
// requests by a slice at a time, never by the whole decode. Measured on 19 MiB of one-pixel RLE8 runs
// (5000×2000): 229–246 ms whether sliced or run to the end, the loop held at most 9.1 ms at a time. A
// count of steps between turns, as this decoder had before, held it 1–6 ms in the same run, but a
// count bounds no time: steps differ in cost, and machines in speed.
import { runInSlices, SLICE_MS } from '../runtime/in-slices.js';

/** The run-length data does not hold the image its header describes. */
export class DamagedRleError extends Error {
  override name = 'DamagedRleError';
}

/**
 * Work between two looks at the slice clock, in steps: a run, a native copy, or a pixel set in
 * JavaScript, none of them over 255 bytes, so 1024 of them take microseconds, well inside a slice; a
 * file at the decoder's default byte limit (20 MiB of two-byte runs; the service's is 10 MiB) has the
 * clock read about ten thousand times.
 */
export const STEPS_PER_CHECK = 1024;

export interface RleImage {
  width: number;
  height: number;
  /** 8: RLE8; 4: RLE4. */
  bits: 4 | 8;
  /** Rows are stored bottom row first (a positive header height), as the format has them. */
  bottomUp: boolean;
}

/**
 * The pixels' colour indices, one byte each, as PNG scanlines: each row, top first, behind its filter
 * byte (0, none). Pixels the data skips (a delta, or a line ended early) are index 0; pixels past the
 * right edge are dropped. Rejects with a DamagedRleError naming the fault when the data ends inside a
 * run or before its last row. The event loop gets a turn once a slice has held it `sliceMs`.
 */
export function decodeRleScanlines(data: Uint8Array, image: RleImage, sliceMs = SLICE_MS): Promise<Uint8Array> {
  return runInSlices(rleScanlineSteps(data, image), sliceMs);
}

/** decodeRleScanlines as steps: yields after each STEPS_PER_CHECK steps, where pausing is safe. */
function* rleScanlineSteps(data: Uint8Array, { width, height, bits, bottomUp }: RleImage): Generator<void, Uint8Array> {
  const stride = width + 1;
  const out = new Uint8Array(stride * height);
  let x = 0;
  let row = 0; // rows in the file's order: 0 is the bottom row of a bottom-up image
  let at = 0;
  let steps = 0;
  let nextCheck = STEPS_PER_CHECK;
  const rowStart = (): number => (bottomUp ? height - 1 - row : row) * stride + 1;
  const need = (count: number, what: string): void => {
    if (at + count > data.length) throw new DamagedRleError(`the BMP's RLE${bits} pixel data is cut short inside ${what} (row ${row + 1} of ${height})`);
  };
  while (row < height) {
    if (++steps >= nextCheck) {
      nextCheck = steps + STEPS_PER_CHECK;
      yield;
    }
    if (at + 2 > data.length) {
      // Some writers leave out the last end-of-line or end-of-bitmap mark.
      if (row === height - 1) break;
      throw new DamagedRleError(`the BMP's RLE${bits} pixel data ends in row ${row + 1} of ${height}, before its end mark`);
    }
    const count = data[at];
    const value = data[at + 1];
    at += 2;
    if (count > 0) {
      // An encoded run: `count` pixels of one index (RLE8), or of two alternating ones (RLE4).
      const n = Math.min(count, width - x);
      if (n > 0) {
        const start = rowStart() + x;
        if (bits === 8) out.fill(value, start, start + n);
        else {
          fillPairs(out, start, n, value >> 4, value & 0x0f);
          steps += 8; // its copies: at most log2(255) of them
        }
      }
      x += count;
    } else if (value === 0) {
      x = 0;
      row++;
    } else if (value === 1) {
      break;
    } else if (value === 2) {
      need(2, 'a delta');
      x += data[at];
      row += data[at + 1];
      at += 2;
    } else {
      // A literal run of `value` indices, padded to a 2-byte boundary.
      const bytes = bits === 8 ? value : Math.ceil(value / 2);
      need(bytes, 'a literal run');
      const n = Math.min(value, width - x);
      if (n > 0) {
        const start = rowStart() + x;
        if (bits === 8) out.set(data.subarray(at, at + n), start);
        else {
          for (let i = 0; i < n; i++) out[start + i] = i & 1 ? data[at + (i >> 1)] & 0x0f : data[at + (i >> 1)] >> 4;
          steps += n;
        }
      }
      x += value;
      at += bytes + (bytes & 1);
    }
  }
  return out;
}

/** `n` pixels from `start` alternating `first` and `second`, by doubling copies rather than a loop over them. */
function fillPairs(out: Uint8Array, start: number, n: number, first: number, second: number): void {
  out[start] = first;
  if (n > 1) out[start + 1] = second;
  for (let done = 2; done < n; done *= 2) out.copyWithin(start + done, start, start + Math.min(done, n - done));
}
