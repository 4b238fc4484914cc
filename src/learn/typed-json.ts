// Typed arrays travel through JSON as base64 of their little-endian bytes: compact, exact (no
// decimal round trip), and readable by any language. Two smaller encodings exist for arrays that
// dominate a file: IEEE half floats (for values already rounded to half precision, so the round trip
// stays exact) and zigzag varints of successive differences (for sorted column indices, whose gaps
// are small: one or two bytes instead of four).

import { Float16Array } from '@petamoriken/float16';
import { EcommirError } from '../errors.js';

type TypedKind = 'f32' | 'f64' | 'i32' | 'f16' | 'i32-delta-varint';
export interface EncodedTypedArray {
  dtype: TypedKind;
  length: number;
  base64: string;
}

export function encodeTypedArray(array: Float32Array | Float64Array | Int32Array): EncodedTypedArray {
  const dtype: TypedKind = array instanceof Float32Array ? 'f32' : array instanceof Float64Array ? 'f64' : 'i32';
  const bytes = Buffer.from(array.buffer, array.byteOffset, array.byteLength);
  return { dtype, length: array.length, base64: bytes.toString('base64') };
}

export function decodeFloat64(encoded: EncodedTypedArray, what: string): Float64Array {
  const bytes = decodeBytes(encoded, 'f64', 8, what);
  return finite(new Float64Array(bytes.buffer, bytes.byteOffset, encoded.length), what);
}

export function decodeFloat32(encoded: EncodedTypedArray, what: string): Float32Array {
  const bytes = decodeBytes(encoded, 'f32', 4, what);
  return finite(new Float32Array(bytes.buffer, bytes.byteOffset, encoded.length), what);
}

/** The values, if all are finite: a saved weight of NaN or ±Infinity is a damaged file, which answered "NaN %". */
function finite<T extends Float32Array | Float64Array>(values: T, what: string): T {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new EcommirError('ECM_ERR_BAD_JSON', `${what}: value ${i} of ${values.length} is ${values[i]}; a saved model holds finite numbers only`);
  }
  return values;
}

export function decodeInt32(encoded: EncodedTypedArray, what: string): Int32Array {
  const bytes = decodeBytes(encoded, 'i32', 4, what);
  return new Int32Array(bytes.buffer, bytes.byteOffset, encoded.length);
}

/** Half floats: exact for values that f16round leaves unchanged, rounded to nearest otherwise. */
export function encodeFloat16(array: Float32Array): EncodedTypedArray {
  // The polyfill's constructor rounds in one tight loop; its per-element DataView helpers are ~50x slower.
  const half = new Float16Array(array);
  return { dtype: 'f16', length: array.length, base64: Buffer.from(half.buffer, half.byteOffset, half.byteLength).toString('base64') };
}

export function decodeFloat16(encoded: EncodedTypedArray, what: string): Float32Array {
  const bytes = decodeBytes(encoded, 'f16', 2, what);
  const bits = new Uint16Array(bytes.buffer, bytes.byteOffset, encoded.length);
  const table = halfTable();
  const out = new Float32Array(encoded.length);
  for (let i = 0; i < out.length; i++) out[i] = table[bits[i]];
  return finite(out, what);
}

let halfValues: Float32Array | undefined;
/** The value of every half-float bit pattern (IEEE 754 binary16; checked against the polyfill in the tests). */
export function halfTable(): Float32Array {
  if (halfValues) return halfValues;
  halfValues = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    halfValues[h] = sign * (exponent === 0 ? mantissa * 2 ** -24 : exponent === 31 ? (mantissa ? NaN : Infinity) : (1 + mantissa / 1024) * 2 ** (exponent - 15));
  }
  return halfValues;
}

/**
 * Successive differences (the first from 0), zigzag-mapped to non-negative and written as LEB128
 * varints (protobuf's sint32 encoding): any Int32Array round-trips; sorted runs cost 1-2 bytes each.
 */
export function encodeDeltaVarint(array: Int32Array): EncodedTypedArray {
  const bytes: number[] = [];
  let previous = 0;
  for (let i = 0; i < array.length; i++) {
    const delta = (array[i] - previous) | 0;
    previous = array[i];
    let z = ((delta << 1) ^ (delta >> 31)) >>> 0;
    while (z >= 0x80) {
      bytes.push((z & 0x7f) | 0x80);
      z >>>= 7;
    }
    bytes.push(z);
  }
  return { dtype: 'i32-delta-varint', length: array.length, base64: Buffer.from(bytes).toString('base64') };
}

export function decodeDeltaVarint(encoded: EncodedTypedArray, what: string): Int32Array {
  if (!encoded || encoded.dtype !== 'i32-delta-varint' || typeof encoded.base64 !== 'string' || !Number.isInteger(encoded.length) || encoded.length < 0) {
    throw new EcommirError('ECM_ERR_BAD_JSON', `${what}: expected an encoded i32-delta-varint array`);
  }
  const buf = Buffer.from(encoded.base64, 'base64');
  const out = new Int32Array(encoded.length);
  let at = 0;
  let previous = 0;
  for (let i = 0; i < out.length; i++) {
    let z = 0;
    let shift = 0;
    for (;;) {
      if (at >= buf.length || shift > 28) throw new EcommirError('ECM_ERR_BAD_JSON', `${what}: varint data ends or overflows at value ${i} of ${encoded.length}`);
      const b = buf[at++];
      z += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
      shift += 7;
    }
    const delta = (z >>> 1) ^ -(z & 1);
    previous = (previous + delta) | 0;
    out[i] = previous;
  }
  if (at !== buf.length) throw new EcommirError('ECM_ERR_BAD_JSON', `${what}: ${buf.length - at} bytes left after ${encoded.length} varints`);
  return out;
}

function decodeBytes(encoded: EncodedTypedArray, dtype: TypedKind, width: number, what: string): Uint8Array {
  if (!encoded || encoded.dtype !== dtype || typeof encoded.base64 !== 'string' || !Number.isInteger(encoded.length)) {
    throw new EcommirError('ECM_ERR_BAD_JSON', `${what}: expected an encoded ${dtype} array`);
  }
  const buf = Buffer.from(encoded.base64, 'base64');
  if (buf.length !== encoded.length * width) {
    throw new EcommirError('ECM_ERR_BAD_JSON', `${what}: ${buf.length} bytes for ${encoded.length} ${dtype} values`);
  }
  // Copy into a fresh, aligned buffer (Buffer pool slices may be misaligned for 8-byte views).
  const aligned = new Uint8Array(buf.length);
  aligned.set(buf);
  return aligned;
}
