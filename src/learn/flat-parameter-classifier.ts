// What the gradient-trained heads (softmax regression, the MLP) share once fitted: one flat parameter
// vector, kept at float32 (what is saved, what a soup averages) and widened once to float64 for the
// forward pass; logits become probabilities by a row softmax. Each subclass says how its logits are
// computed and where its class count is kept.
import { EcommirError } from '../errors.js';
import type { CsrMatrix } from './csr.js';
import { argmaxRows, notFitted, softmaxRowsInPlace, type Classifier, type FitOptions } from './head.js';

export interface FlatParameters {
  /** Every learned parameter, at the precision it is saved in. */
  params: Float32Array;
  /** The same values widened, for the forward pass. */
  params64: Float64Array;
  lossCurve: number[];
}

export abstract class FlatParameterClassifier<F extends FlatParameters> implements Classifier {
  protected fitted: F | null = null;

  abstract fit(X: CsrMatrix, y: ArrayLike<number>, options?: FitOptions): this;
  abstract getParams(): object;
  abstract toJSON(): unknown;
  /** [n, nClasses] row-major logits at float64. */
  protected abstract logits(X: CsrMatrix): Float64Array;
  protected abstract classCount(fitted: F): number;

  /** The learner's registered name (its static `kind`), for messages. */
  private get owner(): string {
    return (this.constructor as unknown as { kind: string }).kind;
  }

  /** The fitted state, or a not-fitted error naming the learner. */
  protected get state(): F {
    if (!this.fitted) throw notFitted(this.owner);
    return this.fitted;
  }

  /** Stores a fitted state from float64 parameters: rounded to float32 once, then widened again. */
  protected keep(fields: Omit<F, 'params' | 'params64'>, params: ArrayLike<number>): void {
    const rounded = Float32Array.from(params);
    this.fitted = { ...fields, params: rounded, params64: Float64Array.from(rounded) } as F;
  }

  get nClasses(): number {
    return this.classCount(this.state);
  }

  get lossCurve(): readonly number[] {
    return this.state.lossCurve;
  }

  decisionFunction(X: CsrMatrix): Float32Array {
    return Float32Array.from(this.logits(X));
  }

  predictProba(X: CsrMatrix): Float32Array {
    const logits = this.logits(X);
    softmaxRowsInPlace(logits, X.nRows, this.nClasses);
    return Float32Array.from(logits);
  }

  predict(X: CsrMatrix): Int32Array {
    return argmaxRows(this.logits(X), X.nRows, this.nClasses);
  }

  parameters(): Float32Array {
    return this.state.params.slice();
  }

  setParameters(params: ArrayLike<number>): this {
    const fitted = this.state;
    if (params.length !== fitted.params.length) {
      throw new EcommirError('ECM_ERR_BAD_OPTION', `${this.owner}: ${params.length} parameters given, the model has ${fitted.params.length}`);
    }
    this.keep(fitted, params);
    return this;
  }
}
