// The `mllm` backend: a multimodal LLM behind an OpenAI-compatible endpoint answers with a label.
// Per sample, within the challenge's limits: at most `maxCalls` (3) calls and `maxTokens` (100)
// output tokens each. A call that fails for a reason another call may fix (network, timeout, 429,
// 5xx) is retried after an exponential backoff; an answer off the label set is retried once more
// with the answer and a reminder of the label list in the conversation. When the budget is spent the
// sample fails with a clear error (OffLabelAnswerError for off-label answers, which an ensemble may
// answer with its other recogniser instead).
//
// Confidence: with `logprobs`, exp(sum of the answer tokens' log-probabilities) — under a constraint
// that is the model's probability of the whole label; the remaining mass is spread evenly over the
// other labels (each at most the answer's) so that an ensemble can average the list. Without
// log-probabilities the answer gets confidence 1 and the rest 0.
import { setTimeout as setTimeoutPromise } from 'node:timers/promises';
import { EcommirError, type ItemRef } from '../../errors.js';
import { Taxonomy } from '../../labels/taxonomy.js';
import { WorkQueue } from '../../runtime/work-queue.js';
import type { PredictOptions, Recognizer } from '../../tasks/recognizer.js';
import { candidatePositions, rankPrediction } from '../../tasks/rank.js';
import type { Prediction, Sample, Task } from '../../types.js';
import { matchLabel, type MatchKind } from './answer.js';
import { ChatClient, cut, TransientCallError, type ChatContentPart, type ChatMessage } from './client.js';
import { DEFAULT_MLLM_CONCURRENCY, mapWithConcurrency } from './concurrency.js';
import { constraintFields, CONSTRAINTS, type Constraint } from './constrain.js';
import { imageDataUrl } from './data-url.js';
import { buildLabelPrompt, type PromptOptions } from './prompt.js';

/** The challenge's limits per sample. */
export const CHALLENGE_MAX_CALLS = 3;
export const CHALLENGE_MAX_TOKENS = 100;

export interface MllmOptions {
  task: Task;
  endpoint: string;
  model: string;
  apiKey?: string;
  /** Label set (default: the shipped taxonomy of the task). */
  taxonomy?: Taxonomy;
  /** How the answer is held to the label set. Default guided_choice (vLLM). */
  constrain?: Constraint;
  /** Ask for `粗类-细类` (as the model was tuned with `export sft --hierarchical`). Default false. */
  hierarchical?: boolean;
  /** Calls per sample, 1..3. Default 3. */
  maxCalls?: number;
  /** Output tokens per call, 1..100. Default 100. */
  maxTokens?: number;
  /** One call's deadline, ms. Default 60 000. */
  timeoutMs?: number;
  /** First backoff, ms; doubles each retry. Default 500. */
  backoffMs?: number;
  /** Longest backoff (also caps a server's Retry-After), ms. Default 8 000. */
  maxBackoffMs?: number;
  /** Requests in flight to the server from this recogniser, whoever calls it (predictMany or not). Default 4. */
  concurrency?: number;
  /** Request log-probabilities for the confidence. Default true. */
  logprobs?: boolean;
  /** Images larger than this (longest side, px) are downscaled to JPEG. Default: sent as they are. */
  maxImageSide?: number;
  /** Most images per request (the server's --limit-mm-per-prompt). Default: all. */
  maxImages?: number;
  /** Below this confidence a prediction is uncertain. Default 0. */
  threshold?: number;
  prompt?: Pick<PromptOptions, 'rules'>;
}

/** The model answered off the label set on every allowed call. */
export class OffLabelAnswerError extends EcommirError {
  constructor(
    readonly answers: string[],
    readonly endpoint: string,
    item: ItemRef,
  ) {
    super('ECM_ERR_NO_ANSWER', `the model at ${endpoint} answered off the label set on all ${answers.length} calls (last answer: ${quoted(answers[answers.length - 1])})`, { item, statusCode: 502 });
  }
}

/**
 * The most of an answer that is matched, sent back with the reminder and kept. 100 tokens are a few
 * hundred characters; a server that ignores max_tokens sent 20 MiB, which took 280 s to match and
 * went back to it with each reminder.
 */
export const MAX_ANSWER_CHARS = 1000;

/** An answer as a message quotes it: JSON, cut at 200 characters. */
function quoted(answer: string): string {
  return JSON.stringify(cut(answer));
}

const REMINDER = '这个回答不在分类标签列表中。请只输出列表中的一个分类标签，不要输出其他内容。';

export class MllmRecognizer implements Recognizer {
  readonly task: Task;
  readonly labels: readonly string[];
  /** The user's images go to the model with the text. */
  readonly readsImages = true;
  readonly taxonomy: Taxonomy;
  readonly client: ChatClient;
  /** Holds the requests in flight to `concurrency`, whoever calls predict() (predictMany, a batch, the service). */
  private readonly calls: WorkQueue;
  private readonly options: Required<Pick<MllmOptions, 'constrain' | 'hierarchical' | 'maxCalls' | 'maxTokens' | 'backoffMs' | 'maxBackoffMs' | 'concurrency' | 'logprobs' | 'threshold'>> & MllmOptions;
  /** How the last answers were matched, for diagnostics: counts by kind. */
  readonly matches: Record<MatchKind, number> = { exact: 0, normalised: 0, contained: 0, fuzzy: 0 };

  constructor(options: MllmOptions) {
    this.task = options.task;
    this.taxonomy = options.taxonomy ?? Taxonomy.default(options.task);
    if (this.taxonomy.task !== options.task) throw new EcommirError('ECM_ERR_BAD_TAXONOMY', `the ${options.task} mllm recogniser got a ${this.taxonomy.task} taxonomy`);
    this.labels = this.taxonomy.labels;
    this.options = {
      ...options,
      constrain: options.constrain ?? 'guided_choice',
      hierarchical: options.hierarchical ?? false,
      maxCalls: options.maxCalls ?? CHALLENGE_MAX_CALLS,
      maxTokens: options.maxTokens ?? CHALLENGE_MAX_TOKENS,
      backoffMs: options.backoffMs ?? 500,
      maxBackoffMs: options.maxBackoffMs ?? 8_000,
      concurrency: options.concurrency ?? DEFAULT_MLLM_CONCURRENCY,
      logprobs: options.logprobs ?? true,
      threshold: options.threshold ?? 0,
    };
    const o = this.options;
    if (!CONSTRAINTS.includes(o.constrain)) throw badOption(`--constrain must be one of ${CONSTRAINTS.join(', ')}, got ${o.constrain}`);
    if (!Number.isInteger(o.maxCalls) || o.maxCalls < 1 || o.maxCalls > CHALLENGE_MAX_CALLS) throw badOption(`calls per sample must be 1..${CHALLENGE_MAX_CALLS} (the challenge's limit), got ${o.maxCalls}`);
    if (!Number.isInteger(o.maxTokens) || o.maxTokens < 1 || o.maxTokens > CHALLENGE_MAX_TOKENS) throw badOption(`max tokens must be 1..${CHALLENGE_MAX_TOKENS} (the challenge's limit), got ${o.maxTokens}`);
    if (!Number.isInteger(o.concurrency) || o.concurrency < 1) throw badOption(`concurrency must be a positive integer, got ${o.concurrency}`);
    this.client = new ChatClient({ endpoint: options.endpoint, model: options.model, apiKey: options.apiKey, timeoutMs: options.timeoutMs });
    // No bound on the waiting: the callers (predict's batch, the service's lanes) bound it already.
    this.calls = new WorkQueue(o.concurrency, Infinity, 'mllm call');
  }

  async predict(sample: Sample, options: PredictOptions = {}): Promise<Prediction> {
    const started = performance.now();
    const item: ItemRef = { id: sample.id, index: sample.index };
    if (sample.task !== this.task) throw new EcommirError('ECM_ERR_UNKNOWN_TASK', `the ${this.task} mllm recogniser got a ${sample.task} sample`, { item });
    // Before the model is called: a candidate that is no label of ours would fail the answer after it.
    candidatePositions(sample, this.taxonomy);
    const { messages, choices } = await this.messagesFor(sample, item);
    const extra = constraintFields(this.options.constrain, choices);
    const answers: string[] = [];
    let failure: TransientCallError | undefined;
    const { signal } = options;
    for (let call = 1; call <= this.options.maxCalls; call++) {
      if (failure) await sleep(this.backoff(call - 1, failure.retryAfterMs), signal);
      // A request past its deadline that waited for a call slot made its calls all the same, when its turn came.
      signal?.throwIfAborted();
      let answer;
      try {
        answer = await this.calls.run(() => this.client.complete({ messages, maxTokens: this.options.maxTokens, logprobs: this.options.logprobs, extra }, item, signal), signal);
      } catch (err) {
        if (!(err instanceof TransientCallError)) throw err;
        failure = err;
        continue;
      }
      failure = undefined;
      const text = answer.text.slice(0, MAX_ANSWER_CHARS);
      const match = matchLabel(text, this.taxonomy);
      if (match) {
        this.matches[match.kind]++;
        const confidence = answer.logprob === undefined ? 1 : Math.min(1, Math.max(0, Math.exp(answer.logprob)));
        const prediction = rankPrediction(sample, this.taxonomy, spread(this.labels.length, this.labels.indexOf(match.label), confidence), {
          threshold: options.threshold ?? this.options.threshold,
          topK: options.topK,
        });
        return { ...prediction, ms: performance.now() - started };
      }
      answers.push(text);
      messages.push({ role: 'assistant', content: text }, { role: 'user', content: REMINDER });
    }
    if (failure && answers.length === 0) {
      const code = failure.kind === 'timeout' ? 'ECM_ERR_TIMEOUT' : 'ECM_ERR_BACKEND';
      throw new EcommirError(code, `the mllm backend failed after ${this.options.maxCalls} calls: ${failure.message}`, { item, cause: failure, statusCode: code === 'ECM_ERR_TIMEOUT' ? 504 : 502 });
    }
    if (failure) throw new EcommirError('ECM_ERR_BACKEND', `the mllm backend failed after ${this.options.maxCalls} calls (answers off the label set: ${answers.map(quoted).join(', ')}; then ${failure.message})`, { item, cause: failure, statusCode: 502 });
    throw new OffLabelAnswerError(answers, this.client.url, item);
  }

  /** Several samples, at most `concurrency` at once; the first failure stops the run. */
  async predictMany(samples: readonly Sample[], options: PredictOptions = {}): Promise<Prediction[]> {
    return mapWithConcurrency(samples, this.options.concurrency, (sample) => this.predict(sample, options));
  }

  private async messagesFor(sample: Sample, item: ItemRef): Promise<{ messages: ChatMessage[]; choices: string[] }> {
    const prompt = buildLabelPrompt(sample, this.taxonomy, { hierarchical: this.options.hierarchical, rules: this.options.prompt?.rules, maxImages: this.options.maxImages });
    const content: ChatContentPart[] = [];
    for (const part of prompt.user) {
      if (part.type === 'text') content.push({ type: 'text', text: part.text });
      else content.push({ type: 'image_url', image_url: { url: await imageDataUrl(part.image, item, { maxSide: this.options.maxImageSide }) } });
    }
    const messages: ChatMessage[] = [
      { role: 'system', content: prompt.system },
      { role: 'user', content },
    ];
    return { messages, choices: prompt.choices };
  }

  /** backoffMs · 2^(retry−1), capped; a server's Retry-After wins when longer (within the cap). */
  private backoff(retry: number, retryAfterMs?: number): number {
    const exponential = this.options.backoffMs * 2 ** (retry - 1);
    return Math.min(this.options.maxBackoffMs, Math.max(exponential, retryAfterMs ?? 0));
  }
}

/**
 * proba: [nLabels], `confidence` on the answer, the rest spread evenly — but never above the answer,
 * which stays first (the model's answer is the prediction, even when its probability is low).
 */
function spread(n: number, answer: number, confidence: number): Float64Array {
  const proba = new Float64Array(n).fill(n > 1 ? Math.min(confidence, (1 - confidence) / (n - 1)) : 0);
  proba[answer] = confidence;
  return proba;
}

function badOption(message: string): EcommirError {
  return new EcommirError('ECM_ERR_BAD_OPTION', message);
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return setTimeoutPromise(ms, undefined, { signal }).catch((err: unknown) => {
    throw signal?.aborted ? signal.reason : err;
  });
}
