// The face every learner shows (scikit-learn's estimator contract): fit on CSR rows and class indices,
// probabilities, scores, arg-max, its options, and a JSON form. `Classifier` (head.ts) adds the flat
// parameter vector that soups average; learners without one (nearest neighbours, stacks) are Learners.
// A LearnerSpec ({kind, options}) names a learner as data, so ensembles can clone and save members.
import { EcommirError } from '../errors.js';
import type { CsrMatrix } from './csr.js';
import type { FitOptions } from './head.js';

export interface Learner {
  fit(X: CsrMatrix, y: ArrayLike<number>, options?: FitOptions): this;
  /** [n, nClasses] row-major probabilities (rows sum to 1). */
  predictProba(X: CsrMatrix): Float32Array;
  /** [n, nClasses] row-major scores whose arg-max is the prediction (logits, margins, log-likelihoods). */
  decisionFunction(X: CsrMatrix): Float32Array;
  predict(X: CsrMatrix): Int32Array;
  getParams(): object;
  toJSON(): LearnerJson;
  readonly nClasses: number;
}

export interface LearnerJson {
  kind: string;
  version: number;
}

export interface LearnerSpec {
  kind: string;
  options?: Record<string, unknown>;
}

interface LearnerClass {
  readonly kind: string;
  new (options?: any): Learner;
  fromJSON(json: any): Learner;
}

const registry = new Map<string, LearnerClass>();

/** Makes a learner class constructible by name (createLearner) and loadable (learnerFromJSON). */
export function registerLearner(cls: LearnerClass): void {
  registry.set(cls.kind, cls);
}

function lookup(kind: unknown): LearnerClass {
  const cls = typeof kind === 'string' ? registry.get(kind) : undefined;
  if (!cls) throw new EcommirError('ECM_ERR_BAD_OPTION', `unknown learner kind ${JSON.stringify(kind)}; known: ${[...registry.keys()].join(', ')}`);
  return cls;
}

/** A new, unfitted learner from its spec. */
export function createLearner(spec: LearnerSpec): Learner {
  return new (lookup(spec?.kind))(spec.options ?? {});
}

/** A fitted learner back from its toJSON() form. */
export function learnerFromJSON(json: LearnerJson): Learner {
  if (!json || typeof json !== 'object') throw new EcommirError('ECM_ERR_BAD_JSON', 'expected a saved learner object');
  try {
    return lookup(json.kind).fromJSON(json);
  } catch (e) {
    if (e instanceof EcommirError && e.code === 'ECM_ERR_BAD_OPTION') throw new EcommirError('ECM_ERR_BAD_JSON', e.message);
    throw e;
  }
}

/** The spec that rebuilds an unfitted copy of `learner`. */
export function specOf(learner: Learner): LearnerSpec {
  return { kind: (learner.constructor as unknown as LearnerClass).kind, options: learner.getParams() as Record<string, unknown> };
}
