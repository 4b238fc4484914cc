// Rewrites PaddleOCR's PP-OCRv4 ONNX graphs into fewer, equivalent operations. Their PPLCNetV3
// backbone follows every convolution with a learnable affine block (x·s + b), a hard-swish spelled
// out as four element-wise ops (x · clip(x + 3, 0, 6) / 6) and a second affine block: eight passes
// over each feature map for one convolution. onnxruntime fuses none of them (the graphs are opset
// 9 and 11, before HardSwish), and they took about half the recogniser's time. Here:
// - an affine block right after a convolution goes into its weights and bias;
// - the hard-swish becomes HardSigmoid(α 1/6, β 0.5) times x, which onnxruntime runs in one pass;
// - an affine block before a convolution goes into that convolution when that is exact (no
//   padding, or no shift: a shifted input would change the padded border);
// - a scale after the hard-swish goes into the convolution that feeds it, with HardSigmoid's α
//   divided by it (x·s · clip(x·s/(6s) + ½, 0, 1) = s · hardswish(x)).
// Every pattern is matched exactly (the constants, and no other reader of any tensor changed), so
// the rewritten graph computes the same function; only float rounding differs (a few 1e-6 on the
// recogniser's probabilities; test/vision/ocr-graph-fusion.test.ts compares both on the shipped models).
import {
  bytesField,
  float32Field,
  float32Of,
  readMessage,
  stringField,
  textOf,
  varintField,
  varintOf,
  varintsOf,
  writeMessage,
  WIRE_BYTES,
  type WireField,
} from './protobuf-wire.js';

/** Bump when the rewrite changes: part of the cache key of rewritten models. */
export const OCR_GRAPH_FUSION_VERSION = 1;

export interface OcrGraphFusionReport {
  /** Affine blocks folded into the convolution before them. */
  affineIntoConv: number;
  /** Hard-swish chains rewritten as HardSigmoid × x. */
  hardSwish: number;
  /** Affine blocks folded into the convolution after them. */
  affineIntoNextConv: number;
  /** Scales after a hard-swish folded into the convolution feeding it. */
  scaleIntoHardSwish: number;
  /** Nodes before and after. */
  nodesBefore: number;
  nodesAfter: number;
}

// ONNX field numbers (onnx/onnx.proto).
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const GRAPH_OUTPUT = 12;
const VALUE_INFO_NAME = 1;
const NODE_INPUT = 1;
const NODE_OUTPUT = 2;
const NODE_NAME = 3;
const NODE_OP_TYPE = 4;
const NODE_ATTRIBUTE = 5;
const NODE_DOMAIN = 7;
const ATTR_NAME = 1;
const ATTR_F = 2;
const ATTR_S = 4;
const ATTR_T = 5;
const ATTR_INTS = 8;
const ATTR_TYPE = 20;
const ATTR_TYPE_FLOAT = 1;
const ATTR_TYPE_TENSOR = 4;
const TENSOR_DIMS = 1;
const TENSOR_DATA_TYPE = 2;
const TENSOR_FLOAT_DATA = 4;
const TENSOR_NAME = 8;
const TENSOR_RAW_DATA = 9;
const TENSOR_FLOAT = 1;

interface GraphNode {
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  /** The node's other fields (name, attributes, doc string), as read. */
  rest: WireField[];
  /** The node as read; undefined once changed (then it is written from the fields above). */
  original?: Uint8Array;
}

function parseNode(bytes: Uint8Array): GraphNode {
  const fields = readMessage(bytes);
  const node: GraphNode = { opType: '', domain: '', inputs: [], outputs: [], rest: [], original: bytes };
  for (const f of fields) {
    if (f.field === NODE_INPUT) node.inputs.push(textOf(f));
    else if (f.field === NODE_OUTPUT) node.outputs.push(textOf(f));
    else {
      if (f.field === NODE_OP_TYPE) node.opType = textOf(f);
      if (f.field === NODE_DOMAIN) node.domain = textOf(f);
      node.rest.push(f);
    }
  }
  return node;
}

function encodeNode(node: GraphNode): Uint8Array {
  if (node.original) return node.original;
  return writeMessage([...node.inputs.map((i) => stringField(NODE_INPUT, i)), ...node.outputs.map((o) => stringField(NODE_OUTPUT, o)), ...node.rest]);
}

function newNode(opType: string, inputs: string[], outputs: string[], attributes: WireField[][]): GraphNode {
  return { opType, domain: '', inputs, outputs, rest: [stringField(NODE_NAME, outputs[0]), stringField(NODE_OP_TYPE, opType), ...attributes.map((a) => bytesField(NODE_ATTRIBUTE, writeMessage(a)))] };
}

function floatAttribute(name: string, value: number): WireField[] {
  return [stringField(ATTR_NAME, name), float32Field(ATTR_F, value), varintField(ATTR_TYPE, ATTR_TYPE_FLOAT)];
}

/** The node's attributes by name (each as its fields). */
function attributesOf(node: GraphNode): Map<string, WireField[]> {
  const out = new Map<string, WireField[]>();
  for (const f of node.rest) {
    if (f.field !== NODE_ATTRIBUTE) continue;
    const fields = readMessage(f.value);
    const name = fields.find((a) => a.field === ATTR_NAME);
    if (name) out.set(textOf(name), fields);
  }
  return out;
}

/** A node whose fields were changed is written from them, no longer as read. */
function changed(node: GraphNode): void {
  node.original = undefined;
}

function setAttributes(node: GraphNode, attributes: Map<string, WireField[]>): void {
  node.rest = [...node.rest.filter((f) => f.field !== NODE_ATTRIBUTE), ...[...attributes.values()].map((a) => bytesField(NODE_ATTRIBUTE, writeMessage(a)))];
  changed(node);
}

interface FloatTensor {
  dims: number[];
  values: Float32Array;
}

/** A float tensor's shape and values, or undefined for other element types. */
function readFloatTensor(fields: readonly WireField[]): FloatTensor | undefined {
  const type = fields.find((f) => f.field === TENSOR_DATA_TYPE);
  if (!type || varintOf(type) !== TENSOR_FLOAT) return undefined;
  const dims = varintsOf(fields, TENSOR_DIMS);
  const count = dims.reduce((a, b) => a * b, 1);
  const raw = fields.find((f) => f.field === TENSOR_RAW_DATA);
  let values: Float32Array;
  if (raw) {
    if (raw.value.length !== 4 * count) return undefined;
    values = new Float32Array(count);
    const view = new DataView(raw.value.buffer, raw.value.byteOffset, raw.value.length);
    for (let i = 0; i < count; i++) values[i] = view.getFloat32(4 * i, true);
  } else {
    const packed = fields.filter((f) => f.field === TENSOR_FLOAT_DATA);
    const list: number[] = [];
    for (const f of packed) {
      if (f.wire !== WIRE_BYTES) list.push(float32Of(f));
      else {
        const view = new DataView(f.value.buffer, f.value.byteOffset, f.value.length);
        for (let at = 0; at + 4 <= f.value.length; at += 4) list.push(view.getFloat32(at, true));
      }
    }
    if (list.length !== count) return undefined;
    values = Float32Array.from(list);
  }
  return { dims, values };
}

function rawFloats(values: Float32Array): Uint8Array {
  const out = new Uint8Array(4 * values.length);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
  return out;
}

/** A Constant node's tensor: read, and written back with new values. */
class ConstantTensor {
  constructor(
    readonly node: GraphNode,
    readonly tensor: FloatTensor,
  ) {}

  write(values: Float32Array): void {
    const attributes = attributesOf(this.node);
    const value = attributes.get('value')!;
    const t = readMessage(value.find((f) => f.field === ATTR_T)!.value).filter((f) => f.field !== TENSOR_RAW_DATA && f.field !== TENSOR_FLOAT_DATA);
    t.push(bytesField(TENSOR_RAW_DATA, rawFloats(values)));
    attributes.set('value', [...value.filter((f) => f.field !== ATTR_T), bytesField(ATTR_T, writeMessage(t))]);
    setAttributes(this.node, attributes);
    this.tensor.values.set(values);
  }
}

function constantNode(name: string, values: Float32Array, dims: number[]): GraphNode {
  const tensor = [...dims.map((d) => varintField(TENSOR_DIMS, d)), varintField(TENSOR_DATA_TYPE, TENSOR_FLOAT), stringField(TENSOR_NAME, name), bytesField(TENSOR_RAW_DATA, rawFloats(values))];
  const value = [stringField(ATTR_NAME, 'value'), bytesField(ATTR_T, writeMessage(tensor)), varintField(ATTR_TYPE, ATTR_TYPE_TENSOR)];
  return newNode('Constant', [], [name], [value]);
}

class Graph {
  nodes: GraphNode[];
  readonly #outputs: Set<string>;
  #constants = new Map<string, ConstantTensor>();
  #initialisers = new Map<string, FloatTensor>();
  #readers = new Map<string, GraphNode[]>();
  /** Constant nodes already decoded (null: not a float tensor); index() runs after every pass. */
  readonly #decoded = new WeakMap<GraphNode, ConstantTensor | null>();

  constructor(fields: readonly WireField[]) {
    this.nodes = fields.filter((f) => f.field === GRAPH_NODE).map((f) => parseNode(f.value));
    this.#outputs = new Set(
      fields
        .filter((f) => f.field === GRAPH_OUTPUT)
        .map((f) => readMessage(f.value).find((v) => v.field === VALUE_INFO_NAME))
        .filter((f): f is WireField => f !== undefined)
        .map(textOf),
    );
    for (const f of fields) {
      if (f.field !== GRAPH_INITIALIZER) continue;
      const t = readMessage(f.value);
      const name = t.find((x) => x.field === TENSOR_NAME);
      const tensor = readFloatTensor(t);
      if (name && tensor) this.#initialisers.set(textOf(name), tensor);
    }
    this.index();
  }

  /** Recomputes readers and constants after nodes were added or removed. */
  index(): void {
    this.#readers = new Map();
    this.#constants = new Map();
    for (const n of this.nodes) {
      for (const i of n.inputs) {
        const list = this.#readers.get(i) ?? [];
        list.push(n);
        this.#readers.set(i, list);
      }
      if (n.opType === 'Constant' && n.domain === '' && n.outputs.length === 1) {
        let constant = this.#decoded.get(n);
        if (constant === undefined) {
          const value = attributesOf(n).get('value')?.find((f) => f.field === ATTR_T);
          const tensor = value && readFloatTensor(readMessage(value.value));
          constant = tensor ? new ConstantTensor(n, tensor) : null;
          this.#decoded.set(n, constant);
        }
        if (constant) this.#constants.set(n.outputs[0], constant);
      }
    }
  }

  /** How many nodes read a tensor (a graph output counts as one more). */
  readerCount(name: string): number {
    return (this.#readers.get(name)?.length ?? 0) + (this.#outputs.has(name) ? 1 : 0);
  }

  /** The one node reading a tensor, when exactly one does and it is not a graph output. */
  soleReader(name: string): GraphNode | undefined {
    const readers = this.#readers.get(name);
    return readers?.length === 1 && !this.#outputs.has(name) ? readers[0] : undefined;
  }

  producer(name: string): GraphNode | undefined {
    return this.nodes.find((n) => n.outputs.includes(name));
  }

  /** A float scalar constant (a one-element tensor, from a Constant node or an initialiser). */
  scalar(name: string | undefined): number | undefined {
    if (name === undefined) return undefined;
    const t = this.#constants.get(name)?.tensor ?? this.#initialisers.get(name);
    return t && t.values.length === 1 ? t.values[0] : undefined;
  }

  /** A Constant node's tensor that only `reader` reads, so it may be rewritten for it. */
  ownedConstant(name: string | undefined, reader: GraphNode): ConstantTensor | undefined {
    if (name === undefined) return undefined;
    const c = this.#constants.get(name);
    return c && this.readerCount(name) === 1 && this.#readers.get(name)![0] === reader ? c : undefined;
  }

  /** For a binary op with a scalar constant on one side: the other input and the scalar. */
  withScalar(node: GraphNode, opType: string): { other: string; value: number } | undefined {
    if (node.opType !== opType || node.domain !== '' || node.inputs.length !== 2) return undefined;
    const [a, b] = node.inputs;
    const sb = this.scalar(b);
    if (sb !== undefined && this.scalar(a) === undefined) return { other: a, value: sb };
    const sa = this.scalar(a);
    if (sa !== undefined && sb === undefined) return { other: b, value: sa };
    return undefined;
  }

  remove(dropped: Set<GraphNode>): void {
    this.nodes = this.nodes.filter((n) => !dropped.has(n));
    this.index();
  }
}

/** A Conv whose weights (and bias, if any) are Constant tensors only it reads. */
function ownedConv(graph: Graph, conv: GraphNode | undefined): { conv: GraphNode; weights: ConstantTensor; bias?: ConstantTensor; perOutput: number } | undefined {
  if (!conv || conv.opType !== 'Conv' || conv.domain !== '' || conv.outputs.length !== 1) return undefined;
  const weights = graph.ownedConstant(conv.inputs[1], conv);
  if (!weights) return undefined;
  const bias = conv.inputs[2] ? graph.ownedConstant(conv.inputs[2], conv) : undefined;
  if (conv.inputs[2] && !bias) return undefined;
  const outputs = weights.tensor.dims[0];
  if (!outputs || weights.tensor.values.length % outputs !== 0 || (bias && bias.tensor.values.length !== outputs)) return undefined;
  return { conv, weights, bias, perOutput: weights.tensor.values.length / outputs };
}

/** Sets a conv's bias, adding a Constant for it when the conv had none. */
function writeBias(graph: Graph, c: NonNullable<ReturnType<typeof ownedConv>>, values: Float32Array, added: GraphNode[]): void {
  if (c.bias) {
    c.bias.write(values);
    return;
  }
  const name = `${c.conv.outputs[0]}__folded_bias`;
  added.push(constantNode(name, values, [values.length]));
  c.conv.inputs = [c.conv.inputs[0], c.conv.inputs[1], name];
  changed(c.conv);
}

function biasOf(c: NonNullable<ReturnType<typeof ownedConv>>): Float32Array {
  return c.bias ? Float32Array.from(c.bias.tensor.values) : new Float32Array(c.weights.tensor.dims[0]);
}

/** Conv → ·s → +b: the conv computes s·W x + (s·bias + b). */
function foldAffineIntoConv(graph: Graph): number {
  let count = 0;
  const dropped = new Set<GraphNode>();
  const added: GraphNode[] = [];
  for (const node of graph.nodes) {
    const c = ownedConv(graph, node);
    if (!c || dropped.has(node)) continue;
    const mul = graph.soleReader(node.outputs[0]);
    const scale = mul && graph.withScalar(mul, 'Mul');
    if (!mul || !scale || scale.other !== node.outputs[0]) continue;
    const add = graph.soleReader(mul.outputs[0]);
    const shift = add && graph.withScalar(add, 'Add');
    if (!add || !shift || shift.other !== mul.outputs[0]) continue;
    c.weights.write(c.weights.tensor.values.map((w) => w * scale.value));
    writeBias(graph, c, biasOf(c).map((b) => b * scale.value + shift.value), added);
    node.outputs = [add.outputs[0]];
    changed(node);
    dropped.add(mul).add(add);
    count++;
  }
  graph.nodes.unshift(...added);
  graph.remove(dropped);
  return count;
}

/** The [lo, hi] of a Clip: attributes before opset 11, constant inputs from it. */
function clipRange(graph: Graph, clip: GraphNode): [number | undefined, number | undefined] {
  if (clip.inputs.length > 1) return [graph.scalar(clip.inputs[1]), graph.scalar(clip.inputs[2])];
  const attributes = attributesOf(clip);
  const read = (name: string) => {
    const f = attributes.get(name)?.find((a) => a.field === ATTR_F);
    return f ? float32Of(f) : undefined;
  };
  return [read('min'), read('max')];
}

/** x → +3 → clip[0, 6] → ·x → /6 becomes x · HardSigmoid(x; α 1/6, β ½). */
function rewriteHardSwish(graph: Graph): number {
  let count = 0;
  const replaced = new Map<GraphNode, GraphNode[]>();
  const dropped = new Set<GraphNode>();
  for (const add of graph.nodes) {
    const plus3 = graph.withScalar(add, 'Add');
    if (!plus3 || plus3.value !== 3 || dropped.has(add)) continue;
    const x = plus3.other;
    const clip = graph.soleReader(add.outputs[0]);
    if (!clip || clip.opType !== 'Clip' || clip.domain !== '' || clip.inputs[0] !== add.outputs[0]) continue;
    const [lo, hi] = clipRange(graph, clip);
    if (lo !== 0 || hi !== 6) continue;
    const mul = graph.soleReader(clip.outputs[0]);
    if (!mul || mul.opType !== 'Mul' || mul.domain !== '' || mul.inputs.length !== 2 || !mul.inputs.includes(x) || !mul.inputs.includes(clip.outputs[0])) continue;
    const div = graph.soleReader(mul.outputs[0]);
    if (!div || div.opType !== 'Div' || div.domain !== '' || div.inputs[0] !== mul.outputs[0] || graph.scalar(div.inputs[1]) !== 6) continue;
    const gate = `${x}__hardsigmoid`;
    replaced.set(add, [newNode('HardSigmoid', [x], [gate], [floatAttribute('alpha', 1 / 6), floatAttribute('beta', 0.5)]), newNode('Mul', [x, gate], [div.outputs[0]], [])]);
    dropped.add(add).add(clip).add(mul).add(div);
    count++;
  }
  graph.nodes = graph.nodes.flatMap((n) => replaced.get(n) ?? (dropped.has(n) ? [] : [n]));
  graph.index();
  return count;
}

function isPadded(conv: GraphNode): boolean {
  const attributes = attributesOf(conv);
  const autoPad = attributes.get('auto_pad')?.find((f) => f.field === ATTR_S);
  if (autoPad && !['NOTSET', 'VALID'].includes(textOf(autoPad))) return true;
  const pads = attributes.get('pads');
  return pads !== undefined && varintsOf(pads, ATTR_INTS).some((p) => p !== 0);
}

/** ·s → +b → Conv: the conv reads the unscaled input with weights s·W and bias + b·ΣW (exact without padding, or when b is 0). */
function foldAffineIntoNextConv(graph: Graph): number {
  let count = 0;
  const dropped = new Set<GraphNode>();
  const added: GraphNode[] = [];
  for (const mul of graph.nodes) {
    const scale = graph.withScalar(mul, 'Mul');
    if (!scale || dropped.has(mul)) continue;
    const add = graph.soleReader(mul.outputs[0]);
    const shift = add && graph.withScalar(add, 'Add');
    if (!add || !shift || shift.other !== mul.outputs[0]) continue;
    const c = ownedConv(graph, graph.soleReader(add.outputs[0]));
    if (!c || c.conv.inputs[0] !== add.outputs[0]) continue;
    if (shift.value !== 0 && isPadded(c.conv)) continue;
    const w = c.weights.tensor.values;
    const bias = biasOf(c);
    for (let o = 0; o < bias.length; o++) {
      let sum = 0;
      for (let i = 0; i < c.perOutput; i++) sum += w[o * c.perOutput + i];
      bias[o] += shift.value * sum;
    }
    c.weights.write(w.map((v) => v * scale.value));
    writeBias(graph, c, bias, added);
    c.conv.inputs = [scale.other, ...c.conv.inputs.slice(1)];
    changed(c.conv);
    dropped.add(mul).add(add);
    count++;
  }
  graph.nodes.unshift(...added);
  graph.remove(dropped);
  return count;
}

/** Conv → x·HardSigmoid(x) → ·s: the conv computes s·x and HardSigmoid's α becomes α/s. */
function foldScaleIntoHardSwish(graph: Graph): number {
  let count = 0;
  const dropped = new Set<GraphNode>();
  for (const mul of graph.nodes) {
    const scale = graph.withScalar(mul, 'Mul');
    if (!scale || scale.value === 0 || dropped.has(mul)) continue;
    const gated = graph.producer(scale.other);
    if (!gated || gated.opType !== 'Mul' || gated.domain !== '' || graph.soleReader(gated.outputs[0]) !== mul) continue;
    const gate = gated.inputs.map((i) => graph.producer(i)).find((p) => p?.opType === 'HardSigmoid' && p.domain === '');
    if (!gate) continue;
    const x = gate.inputs[0];
    if (!gated.inputs.includes(x) || graph.soleReader(gate.outputs[0]) !== gated || graph.readerCount(x) !== 2) continue;
    const c = ownedConv(graph, graph.producer(x));
    const attributes = attributesOf(gate);
    const alpha = attributes.get('alpha')?.find((f) => f.field === ATTR_F);
    if (!c || !c.bias || !alpha) continue;
    c.weights.write(c.weights.tensor.values.map((v) => v * scale.value));
    c.bias.write(c.bias.tensor.values.map((v) => v * scale.value));
    attributes.set('alpha', floatAttribute('alpha', float32Of(alpha) / scale.value));
    setAttributes(gate, attributes);
    gated.outputs = [mul.outputs[0]];
    changed(gated);
    dropped.add(mul);
    count++;
  }
  graph.remove(dropped);
  return count;
}

/** The rewritten model and what was changed. A model without these patterns comes back unchanged. */
export function fuseOcrGraph(model: Uint8Array): { model: Uint8Array; report: OcrGraphFusionReport } {
  const modelFields = readMessage(model);
  const graphAt = modelFields.findIndex((f) => f.field === MODEL_GRAPH);
  if (graphAt < 0) return { model, report: { affineIntoConv: 0, hardSwish: 0, affineIntoNextConv: 0, scaleIntoHardSwish: 0, nodesBefore: 0, nodesAfter: 0 } };
  const graphFields = readMessage(modelFields[graphAt].value);
  const graph = new Graph(graphFields);
  const nodesBefore = graph.nodes.length;
  const report = {
    affineIntoConv: foldAffineIntoConv(graph),
    hardSwish: rewriteHardSwish(graph),
    affineIntoNextConv: foldAffineIntoNextConv(graph),
    scaleIntoHardSwish: foldScaleIntoHardSwish(graph),
  };
  // Constants nothing reads any more (the folded scales and shifts).
  graph.remove(new Set(graph.nodes.filter((n) => n.opType === 'Constant' && n.outputs.every((o) => graph.readerCount(o) === 0))));
  if (report.affineIntoConv + report.hardSwish + report.affineIntoNextConv + report.scaleIntoHardSwish === 0) {
    return { model, report: { ...report, nodesBefore, nodesAfter: nodesBefore } };
  }
  // The nodes go where the first node field was; the graph's other fields keep their places.
  const firstNode = graphFields.findIndex((f) => f.field === GRAPH_NODE);
  const others = graphFields.filter((f) => f.field !== GRAPH_NODE);
  const nodes = graph.nodes.map((n) => bytesField(GRAPH_NODE, encodeNode(n)));
  const newGraph = [...others.slice(0, firstNode), ...nodes, ...others.slice(firstNode)];
  const newModel = modelFields.map((f, i) => (i === graphAt ? bytesField(MODEL_GRAPH, writeMessage(newGraph)) : f));
  return { model: writeMessage(newModel), report: { ...report, nodesBefore, nodesAfter: graph.nodes.length } };
}
