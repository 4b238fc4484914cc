// First-order optimisers over one flat Float64Array of parameters. Heads lay their parameters out
// as [weights..., biases...] so that weight decay can cover exactly the first `decayCount` entries
// (biases are not decayed, as in most recipes).

import { EcommirError } from '../errors.js';

export interface Optimizer {
  /** Updates `params` in place from `grad` (same length). */
  step(params: Float64Array, grad: Float64Array): void;
  readonly stepCount: number;
}

export interface AdamOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Coupled L2 (added to the gradient, as torch.optim.Adam's weight_decay) — or decoupled when `decoupled`. */
  weightDecay?: number;
  /** AdamW (Loshchilov & Hutter): params -= lr * weightDecay * params, separately from the moment update. */
  decoupled?: boolean;
  /** Weight decay applies to params[0 .. decayCount); default all. */
  decayCount?: number;
}

/** Adam with bias correction, written to match torch.optim.Adam / AdamW step for step. */
export class Adam implements Optimizer {
  private readonly lr: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  private readonly weightDecay: number;
  private readonly decoupled: boolean;
  private readonly decayCount?: number;
  private m: Float64Array | null = null; // [nParams] first moment
  private v: Float64Array | null = null; // [nParams] second moment
  private t = 0;

  constructor(options: AdamOptions = {}) {
    this.lr = checkPositive(options.lr ?? 1e-3, 'lr');
    this.beta1 = checkUnit(options.beta1 ?? 0.9, 'beta1');
    this.beta2 = checkUnit(options.beta2 ?? 0.999, 'beta2');
    this.eps = checkPositive(options.eps ?? 1e-8, 'eps');
    this.weightDecay = checkNonNegative(options.weightDecay ?? 0, 'weightDecay');
    this.decoupled = options.decoupled ?? false;
    this.decayCount = options.decayCount;
  }

  get stepCount(): number {
    return this.t;
  }

  step(params: Float64Array, grad: Float64Array): void {
    if (grad.length !== params.length) throw new EcommirError('ECM_ERR_BAD_OPTION', `gradient length ${grad.length} ≠ parameter length ${params.length}`);
    if (!this.m || this.m.length !== params.length) {
      this.m = new Float64Array(params.length);
      this.v = new Float64Array(params.length);
      this.t = 0;
    }
    const m = this.m;
    const v = this.v!;
    this.t++;
    const { lr, beta1, beta2, eps, weightDecay, decoupled } = this;
    const decayEnd = Math.min(this.decayCount ?? params.length, params.length);
    const bc1 = 1 - Math.pow(beta1, this.t);
    const bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, this.t));
    const stepSize = lr / bc1;
    const decayFactor = 1 - lr * weightDecay;
    for (let i = 0; i < params.length; i++) {
      let g = grad[i];
      if (weightDecay !== 0 && i < decayEnd) {
        if (decoupled) params[i] *= decayFactor;
        else g += weightDecay * params[i];
      }
      const mi = beta1 * m[i] + (1 - beta1) * g;
      const vi = beta2 * v[i] + (1 - beta2) * g * g;
      m[i] = mi;
      v[i] = vi;
      // torch: denom = sqrt(v)/sqrt(bc2) + eps; p -= (lr/bc1) * m / denom
      params[i] -= (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + eps);
    }
  }
}

export interface SgdOptions {
  lr?: number;
  momentum?: number;
  weightDecay?: number;
  decayCount?: number;
}

/** Plain SGD with optional (torch-style) momentum and coupled L2. */
export class Sgd implements Optimizer {
  private readonly lr: number;
  private readonly momentum: number;
  private readonly weightDecay: number;
  private readonly decayCount?: number;
  private velocity: Float64Array | null = null; // [nParams]
  private t = 0;

  constructor(options: SgdOptions = {}) {
    this.lr = checkPositive(options.lr ?? 1e-2, 'lr');
    this.momentum = checkNonNegative(options.momentum ?? 0, 'momentum');
    this.weightDecay = checkNonNegative(options.weightDecay ?? 0, 'weightDecay');
    this.decayCount = options.decayCount;
  }

  get stepCount(): number {
    return this.t;
  }

  step(params: Float64Array, grad: Float64Array): void {
    if (grad.length !== params.length) throw new EcommirError('ECM_ERR_BAD_OPTION', `gradient length ${grad.length} ≠ parameter length ${params.length}`);
    if (this.momentum > 0 && (!this.velocity || this.velocity.length !== params.length)) this.velocity = new Float64Array(params.length);
    const decayEnd = Math.min(this.decayCount ?? params.length, params.length);
    const first = this.t === 0;
    this.t++;
    for (let i = 0; i < params.length; i++) {
      let g = grad[i];
      if (i < decayEnd) g += this.weightDecay * params[i];
      if (this.velocity) {
        // torch: buf = g on the first step, then buf = momentum * buf + g
        this.velocity[i] = first ? g : this.momentum * this.velocity[i] + g;
        g = this.velocity[i];
      }
      params[i] -= this.lr * g;
    }
  }
}

export type OptimizerName = 'adam' | 'adamw' | 'sgd';

export function createOptimizer(name: OptimizerName, options: { lr: number; weightDecay: number; decayCount: number }): Optimizer {
  switch (name) {
    case 'adam':
      return new Adam({ lr: options.lr, weightDecay: options.weightDecay, decayCount: options.decayCount });
    case 'adamw':
      return new Adam({ lr: options.lr, weightDecay: options.weightDecay, decayCount: options.decayCount, decoupled: true });
    case 'sgd':
      return new Sgd({ lr: options.lr, momentum: 0.9, weightDecay: options.weightDecay, decayCount: options.decayCount });
    default:
      throw new EcommirError('ECM_ERR_BAD_OPTION', `unknown optimizer ${String(name)}`);
  }
}

function checkPositive(x: number, name: string): number {
  if (!(x > 0) || !Number.isFinite(x)) throw new EcommirError('ECM_ERR_BAD_OPTION', `${name} must be a positive number, got ${x}`);
  return x;
}
function checkNonNegative(x: number, name: string): number {
  if (!(x >= 0) || !Number.isFinite(x)) throw new EcommirError('ECM_ERR_BAD_OPTION', `${name} must be ≥ 0, got ${x}`);
  return x;
}
function checkUnit(x: number, name: string): number {
  if (!(x >= 0 && x < 1)) throw new EcommirError('ECM_ERR_BAD_OPTION', `${name} must be in [0, 1), got ${x}`);
  return x;
}
