// The review queue's order: most informative first (uncertainty sampling), with a diversity term
// so that one burst of near-duplicates cannot fill the queue — maximal marginal relevance
// (Carbonell & Goldstein 1998): each next item maximises
//   informativeness − λ · redundancy,  redundancy = max(0, s − s₀) / (1 − s₀)
// where s is its greatest similarity to an item already chosen or already labelled. Below s₀
// (0.3) two samples merely share common words, which says nothing about redundancy. An item at
// least `duplicateSimilarity` alike to one chosen or labelled is a near-duplicate: it goes after
// every item that is not, so it is asked about only once the rest is done.
// Up to 1000 candidates × (200 labelled + 100 chosen) comparisons: the work is a generator that
// yields after each comparison, run at once by `orderForReview` and in slices that let the event
// loop turn by `orderForReviewAsync` (the /v1/review route).
import { runInSlices, runToEnd } from '../runtime/in-slices.js';
import { similarity, type SimilaritySignature } from './similarity.js';

export interface ReviewCandidate {
  /** 0 (nothing to learn) … 1 (a label would teach the most): see uncertainty.ts. */
  informativeness: number;
  signature: SimilaritySignature;
}

export interface ReviewOrderOptions {
  limit: number;
  /** λ, the weight of the diversity penalty. Default 1. */
  diversity?: number;
  /** Similarity from which an item counts as a near-duplicate. Default 0.8. */
  duplicateSimilarity?: number;
  /** Samples already labelled: what resembles them teaches less. */
  labelled?: readonly SimilaritySignature[];
}

export interface Ordered<T> {
  item: T;
  /** informativeness − λ · redundancy(nearest), when chosen. */
  score: number;
  /** Greatest similarity to an item chosen before it or already labelled. */
  nearest: number;
}

export const DEFAULT_DIVERSITY = 1;
/** Similarity below which two samples are not redundant at all. */
export const SIMILARITY_FLOOR = 0.3;
export const DEFAULT_DUPLICATE_SIMILARITY = 0.8;

export function orderForReview<T extends ReviewCandidate>(candidates: readonly T[], options: ReviewOrderOptions): Ordered<T>[] {
  return runToEnd(reviewOrderSteps(candidates, options));
}

/** The same order as `orderForReview`, computed in slices that never hold the event loop long. */
export function orderForReviewAsync<T extends ReviewCandidate>(candidates: readonly T[], options: ReviewOrderOptions): Promise<Ordered<T>[]> {
  return runInSlices(reviewOrderSteps(candidates, options));
}

function* reviewOrderSteps<T extends ReviewCandidate>(candidates: readonly T[], options: ReviewOrderOptions): Generator<void, Ordered<T>[]> {
  const lambda = options.diversity ?? DEFAULT_DIVERSITY;
  const duplicate = options.duplicateSimilarity ?? DEFAULT_DUPLICATE_SIMILARITY;
  const nearest = new Array<number>(candidates.length).fill(0);
  for (let i = 0; i < candidates.length; i++) {
    for (const l of options.labelled ?? []) {
      if ((nearest[i] = Math.max(nearest[i], similarity(candidates[i].signature, l))) >= 1) break;
      yield;
    }
  }
  const taken = new Array<boolean>(candidates.length).fill(false);
  const out: Ordered<T>[] = [];
  while (out.length < Math.min(options.limit, candidates.length)) {
    let pick = -1;
    let pickTier = 2;
    let pickScore = -Infinity;
    for (let i = 0; i < candidates.length; i++) {
      if (taken[i]) continue;
      const tier = nearest[i] >= duplicate ? 1 : 0;
      const score = candidates[i].informativeness - lambda * redundancy(nearest[i]);
      if (tier < pickTier || (tier === pickTier && score > pickScore)) {
        pick = i;
        pickTier = tier;
        pickScore = score;
      }
    }
    taken[pick] = true;
    out.push({ item: candidates[pick], score: pickScore, nearest: nearest[pick] });
    for (let i = 0; i < candidates.length; i++) {
      if (taken[i] || nearest[i] >= 1) continue;
      nearest[i] = Math.max(nearest[i], similarity(candidates[i].signature, candidates[pick].signature));
      yield;
    }
  }
  return out;
}

function redundancy(similarity: number): number {
  return Math.max(0, similarity - SIMILARITY_FLOOR) / (1 - SIMILARITY_FLOOR);
}
