// Typed arrays travel through JSON as base64 of their little-endian bytes: compact, exact (no
// decimal round trip), and readable by any language.

import { EcommirError } from '../errors.js';

type TypedKind = 'f32' | 'f64' | 'i32';
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
  return new Float64Array(bytes.buffer, bytes.byteOffset, encoded.length);
}

export function decodeFloat32(encoded: EncodedTypedArray, what: string): Float32Array {
  const bytes = decodeBytes(encoded, 'f32', 4, what);
  return new Float32Array(bytes.buffer, bytes.byteOffset, encoded.length);
}

export function decodeInt32(encoded: EncodedTypedArray, what: string): Int32Array {
  const bytes = decodeBytes(encoded, 'i32', 4, what);
  return new Int32Array(bytes.buffer, bytes.byteOffset, encoded.length);
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
