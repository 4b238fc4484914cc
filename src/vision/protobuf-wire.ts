// The protocol-buffer wire format, just enough to edit an ONNX model without its schema: a message is
// read into its fields in order, each keeping the raw bytes of its value, so every field we do not
// touch (and every field this code has never heard of) is written back byte for byte. protobufjs
// decodes through a schema and drops what the schema lacks; an ONNX schema of our own would have to
// track every field the exporters write.
import { EcommirError } from '../errors.js';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

export interface WireField {
  /** The field number. */
  field: number;
  /** One of the WIRE_* types. */
  wire: number;
  /** The value's bytes as encoded: the varint, the 8 or 4 fixed bytes, or the length-delimited payload. */
  value: Uint8Array;
}

function malformed(what: string): EcommirError {
  return new EcommirError('ECM_ERR_BACKEND', `malformed protocol buffer: ${what}`);
}

/** A varint at `pos`: its value (exact below 2^53) and the position after it. */
export function readVarint(bytes: Uint8Array, pos: number): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  for (let i = pos; i < bytes.length && i < pos + 10; i++) {
    const b = bytes[i];
    value += (b & 0x7f) * scale;
    scale *= 128;
    if ((b & 0x80) === 0) return [value, i + 1];
  }
  throw malformed(`truncated varint at byte ${pos}`);
}

export function encodeVarint(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new EcommirError('ECM_ERR_BAD_OPTION', `varint must be a non-negative safe integer, got ${value}`);
  const out: number[] = [];
  let v = value;
  while (v >= 128) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Uint8Array.from(out);
}

/** The fields of one message, in the order they were written. */
export function readMessage(bytes: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const [tag, afterTag] = readVarint(bytes, pos);
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field === 0) throw malformed(`field number 0 at byte ${pos}`);
    let end: number;
    let start = afterTag;
    if (wire === WIRE_VARINT) end = readVarint(bytes, afterTag)[1];
    else if (wire === WIRE_FIXED64) end = afterTag + 8;
    else if (wire === WIRE_FIXED32) end = afterTag + 4;
    else if (wire === WIRE_BYTES) {
      const [length, afterLength] = readVarint(bytes, afterTag);
      start = afterLength;
      end = afterLength + length;
    } else throw malformed(`unsupported wire type ${wire} at byte ${pos}`);
    if (end > bytes.length) throw malformed(`field ${field} runs past the end (byte ${end} of ${bytes.length})`);
    fields.push({ field, wire, value: bytes.subarray(start, end) });
    pos = end;
  }
  return fields;
}

/** The encoded message: every field's tag, then its value (length-prefixed for WIRE_BYTES). */
export function writeMessage(fields: readonly WireField[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const f of fields) {
    const head = [encodeVarint(f.field * 8 + f.wire), ...(f.wire === WIRE_BYTES ? [encodeVarint(f.value.length)] : [])];
    for (const p of [...head, f.value]) {
      parts.push(p);
      total += p.length;
    }
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function bytesField(field: number, value: Uint8Array): WireField {
  return { field, wire: WIRE_BYTES, value };
}

export function stringField(field: number, text: string): WireField {
  return bytesField(field, new TextEncoder().encode(text));
}

export function varintField(field: number, value: number): WireField {
  return { field, wire: WIRE_VARINT, value: encodeVarint(value) };
}

export function float32Field(field: number, value: number): WireField {
  const value4 = new Uint8Array(4);
  new DataView(value4.buffer).setFloat32(0, value, true);
  return { field, wire: WIRE_FIXED32, value: value4 };
}

export function textOf(f: WireField): string {
  return new TextDecoder().decode(f.value);
}

export function varintOf(f: WireField): number {
  return readVarint(f.value, 0)[0];
}

export function float32Of(f: WireField): number {
  return new DataView(f.value.buffer, f.value.byteOffset, 4).getFloat32(0, true);
}

/** A repeated varint field's values, packed (one WIRE_BYTES field) or not (one field each). */
export function varintsOf(fields: readonly WireField[], field: number): number[] {
  const out: number[] = [];
  for (const f of fields) {
    if (f.field !== field) continue;
    if (f.wire === WIRE_VARINT) out.push(varintOf(f));
    else if (f.wire === WIRE_BYTES) {
      for (let pos = 0; pos < f.value.length; ) {
        const [v, next] = readVarint(f.value, pos);
        out.push(v);
        pos = next;
      }
    }
  }
  return out;
}
