// The knowledge-transfer protocol: fit on knowledge alone (synthetic samples written from the label
// definitions, lexicons, label descriptions) and score on every labelled dev sample of the task. No
// scored sample took part in training, so — as long as the knowledge itself was written without
// reading the scored samples — nothing in the model was chosen by looking at them.
import { EcommirError } from '../errors.js';
import type { Taxonomy } from '../labels/taxonomy.js';
import type { Prediction, Sample } from '../types.js';
import { checkExtraTraining, summarizeEstimate, type Estimate, type FitFn } from './cross-validate.js';

export interface TransferResult extends Estimate {
  /** Training samples (the knowledge; of the last seed when it is generated per seed). */
  nTrain: number;
}

/**
 * Fits `fit(knowledge, seed)` once per seed and scores all of `scored` (which must carry gold labels
 * and share no id with the knowledge). `knowledge` may be a function of the seed (synthetic samples
 * generated per seed). Seeds matter only when fitting or generating is random; default `[0]`.
 */
export async function knowledgeTransfer(
  knowledge: readonly Sample[] | ((seed: number) => readonly Sample[] | Promise<readonly Sample[]>),
  scored: readonly Sample[],
  fit: FitFn,
  taxonomy: Taxonomy,
  options: { seeds?: number[] } = {},
): Promise<TransferResult> {
  const seeds = options.seeds ?? [0];
  const perSeed: Prediction[][] = [];
  let nTrain = 0;
  for (const seed of seeds) {
    const train = typeof knowledge === 'function' ? await knowledge(seed) : knowledge;
    if (train.length === 0) throw new EcommirError('ECM_ERR_BAD_OPTION', 'knowledge transfer needs training samples');
    checkExtraTraining(scored, train);
    nTrain = train.length;
    const predicted = await (await fit(train, seed)).predictMany(scored);
    if (predicted.length !== scored.length) throw new EcommirError('ECM_ERR_BAD_OPTION', `the model returned ${predicted.length} predictions for ${scored.length} samples`);
    perSeed.push(predicted);
  }
  return { nTrain, ...summarizeEstimate(scored, seeds, perSeed, taxonomy) };
}
