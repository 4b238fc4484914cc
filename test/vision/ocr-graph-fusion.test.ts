import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import ort from 'onnxruntime-node';
import { fuseOcrGraph } from '../../src/vision/ocr-graph-fusion.js';
import { defaultModelPaths } from '../../src/vision/ocr.js';
import { bytesField, stringField, varintField, writeMessage, type WireField } from '../../src/vision/protobuf-wire.js';

// A small PP-OCR-like graph written field by field (onnx.proto numbers): two PPLCNetV3 blocks, each
// conv → affine → hard-swish (four ops) → affine, then a 1×1 conv. The first block's second affine feeds a
// padded conv with a shift, which must not be folded into it (the padded border would change).
const msg = (fields: WireField[]) => writeMessage(fields);
const attr = (name: string, body: WireField[]) => bytesField(5, msg([stringField(1, name), ...body]));
const ints = (name: string, values: number[]) => attr(name, [...values.map((v) => varintField(8, v)), varintField(20, 7)]);
const floats32 = (values: number[]) => {
  const raw = new Uint8Array(4 * values.length);
  values.forEach((v, i) => new DataView(raw.buffer).setFloat32(4 * i, v, true));
  return raw;
};
function constant(name: string, dims: number[], values: number[]): Uint8Array {
  const tensor = msg([...dims.map((d) => varintField(1, d)), varintField(2, 1), stringField(8, name), bytesField(9, floats32(values))]);
  return msg([stringField(2, name), stringField(4, 'Constant'), attr('value', [bytesField(5, tensor), varintField(20, 4)])]);
}
const node = (op: string, inputs: string[], output: string, attributes: WireField[] = []) => msg([...inputs.map((i) => stringField(1, i)), stringField(2, output), stringField(3, output), stringField(4, op), ...attributes]);
function random(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1);
}
const valueInfo = (name: string, dims: number[]) => msg([stringField(1, name), bytesField(2, msg([bytesField(1, msg([varintField(1, 1), bytesField(2, msg(dims.map((d) => bytesField(1, msg([varintField(1, d)])))))]))]))]);

function ppLcNetLike(): Uint8Array {
  const nodes: Uint8Array[] = [];
  const scalar = (name: string, v: number) => nodes.push(constant(name, [], [v]));
  const block = (p: string, input: string, conv: { w: number[]; dims: number[]; pads: number }, s1: number, b1: number, s2: number, b2: number) => {
    nodes.push(constant(`${p}.w`, conv.dims, conv.w), constant(`${p}.b`, [conv.dims[0]], random(conv.dims[0], 7)));
    nodes.push(node('Conv', [input, `${p}.w`, `${p}.b`], `${p}.conv`, [ints('pads', [conv.pads, conv.pads, conv.pads, conv.pads]), ints('kernel_shape', conv.dims.slice(2))]));
    scalar(`${p}.s1`, s1), scalar(`${p}.b1`, b1), scalar(`${p}.three`, 3), scalar(`${p}.zero`, 0), scalar(`${p}.six`, 6), scalar(`${p}.six2`, 6), scalar(`${p}.s2`, s2), scalar(`${p}.b2`, b2);
    nodes.push(node('Mul', [`${p}.s1`, `${p}.conv`], `${p}.m1`), node('Add', [`${p}.m1`, `${p}.b1`], `${p}.x`));
    nodes.push(node('Add', [`${p}.x`, `${p}.three`], `${p}.x3`), node('Clip', [`${p}.x3`, `${p}.zero`, `${p}.six`], `${p}.clip`));
    nodes.push(node('Mul', [`${p}.x`, `${p}.clip`], `${p}.xc`), node('Div', [`${p}.xc`, `${p}.six2`], `${p}.hs`));
    nodes.push(node('Mul', [`${p}.s2`, `${p}.hs`], `${p}.m2`), node('Add', [`${p}.m2`, `${p}.b2`], `${p}.out`));
    return `${p}.out`;
  };
  const a = block('a', 'x', { w: random(2 * 3 * 9, 1), dims: [3, 2, 3, 3], pads: 1 }, 1.3, 0.2, 0.7, -0.3);
  const b = block('b', a, { w: random(4 * 3 * 9, 2), dims: [4, 3, 3, 3], pads: 1 }, 0.9, 0.1, 1.1, 0.05);
  nodes.push(constant('c.w', [2, 4, 1, 1], random(8, 3)), node('Conv', [b, 'c.w'], 'y', [ints('kernel_shape', [1, 1])]));
  const graph = msg([...nodes.map((n) => bytesField(1, n)), stringField(2, 'g'), bytesField(11, valueInfo('x', [1, 2, 6, 7])), bytesField(12, valueInfo('y', [1, 2, 6, 7]))]);
  return msg([varintField(1, 7), bytesField(8, msg([stringField(1, ''), varintField(2, 11)])), bytesField(7, graph)]);
}

async function run(model: Uint8Array, name: string, dims: number[], seed: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'all', intraOpNumThreads: 1, logSeverityLevel: 3 });
  const input = Float32Array.from(random(dims.reduce((p, q) => p * q, 1), seed));
  const out = await session.run({ [name]: new ort.Tensor('float32', input, dims) });
  return out[session.outputNames[0]].data as Float32Array;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

test('a PP-OCR-like block graph is rewritten into fewer nodes that compute the same function', async () => {
  const model = ppLcNetLike();
  const { model: fused, report } = fuseOcrGraph(model);
  // both post-conv affines and hard-swishes; the second block's trailing affine into the 1×1 conv; the first
  // block's trailing scale into its hard-swish (its shift stays: the conv after it is padded)
  assert.deepEqual({ ...report, nodesBefore: 0, nodesAfter: 0 }, { affineIntoConv: 2, hardSwish: 2, affineIntoNextConv: 1, scaleIntoHardSwish: 1, nodesBefore: 0, nodesAfter: 0 });
  assert.ok(report.nodesAfter < report.nodesBefore - 15, JSON.stringify(report));
  for (const seed of [11, 12, 13]) {
    const [a, b] = [await run(model, 'x', [1, 2, 6, 7], seed), await run(fused, 'x', [1, 2, 6, 7], seed)];
    assert.ok(maxAbsDiff(a, b) < 1e-5, `seed ${seed}: ${maxAbsDiff(a, b)}`);
  }
  // nothing left to rewrite: the same bytes come back
  assert.equal(fuseOcrGraph(fused).model, fused);
});

test('the shipped PP-OCRv4 models: most element-wise nodes go, the outputs stay within float rounding', async () => {
  const paths = defaultModelPaths();
  for (const [file, dims, tolerance] of [
    [paths.recognitionPath, [2, 3, 48, 200], 1e-4],
    [paths.detectionPath, [1, 3, 96, 160], 1e-5],
  ] as const) {
    const model = new Uint8Array(readFileSync(file));
    const { model: fused, report } = fuseOcrGraph(model);
    assert.ok(report.affineIntoConv >= 20 && report.hardSwish >= 20, JSON.stringify(report));
    assert.ok(report.nodesAfter < 0.7 * report.nodesBefore, JSON.stringify(report));
    const [a, b] = [await run(model, 'x', [...dims], 5), await run(fused, 'x', [...dims], 5)];
    assert.ok(maxAbsDiff(a, b) < tolerance, `${file}: ${maxAbsDiff(a, b)}`);
  }
});
