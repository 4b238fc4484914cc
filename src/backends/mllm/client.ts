// One call to an OpenAI-compatible chat-completions endpoint (vLLM, SGLang, LMDeploy, llama.cpp
// server, Ollama), with a timeout. The client makes exactly one HTTP request per `complete()`: the
// caller owns the per-sample call budget (the challenge allows 3), so retries are counted there.
// Failures worth another call (network errors, timeouts, 429, 5xx) come back as TransientCallError;
// anything else (a 4xx: our request is wrong, or a malformed body) is an EcommirError at once.
import { EcommirError, type ItemRef } from '../../errors.js';

export type ChatContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string | ChatContentPart[];
}

export interface ChatRequest {
  messages: ChatMessage[];
  /** Output tokens allowed (the challenge: at most 100). */
  maxTokens: number;
  /** Ask for token log-probabilities (used as the confidence). */
  logprobs: boolean;
  /** Engine-specific fields, e.g. the constraint (guided_choice, response_format, grammar). */
  extra?: Record<string, unknown>;
}

export interface ChatAnswer {
  text: string;
  /** Sum of the answer tokens' log-probabilities, when the engine returned them. */
  logprob?: number;
}

export interface ChatClientOptions {
  /** Base URL (`http://host:8000`, `.../v1`) or the full `.../v1/chat/completions`. */
  endpoint: string;
  /** The served model name (with vLLM and a LoRA adapter: the adapter's `--lora-modules` name). */
  model: string;
  /** Sent as `Authorization: Bearer ...` when set. */
  apiKey?: string;
  /** One call's deadline, ms. */
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 60_000;

export type TransientKind = 'network' | 'timeout' | 'status';

/** A failed call that another call may fix. */
export class TransientCallError extends Error {
  constructor(
    readonly kind: TransientKind,
    message: string,
    /** The server's Retry-After, ms, when it sent one. */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransientCallError';
  }
}

/** `http://h:8000`, `http://h:8000/v1` or `.../v1/chat/completions` → the chat-completions URL. */
export function chatCompletionsUrl(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new EcommirError('ECM_ERR_BAD_OPTION', `--endpoint must be an http(s) URL, got ${JSON.stringify(endpoint)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new EcommirError('ECM_ERR_BAD_OPTION', `--endpoint must be an http(s) URL, got ${endpoint}`);
  const path = url.pathname.replace(/\/+$/, '');
  if (path.endsWith('/chat/completions')) url.pathname = path;
  else if (path.endsWith('/v1')) url.pathname = `${path}/chat/completions`;
  else url.pathname = `${path}/v1/chat/completions`;
  return url.toString();
}

export class ChatClient {
  readonly url: string;
  readonly model: string;
  private readonly apiKey?: string;
  private readonly timeoutMs: number;

  constructor(options: ChatClientOptions) {
    this.url = chatCompletionsUrl(options.endpoint);
    if (!options.model) throw new EcommirError('ECM_ERR_BAD_OPTION', 'the mllm backend needs a model name (--model, as the server serves it)');
    this.model = options.model;
    this.apiKey = options.apiKey;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async complete(request: ChatRequest, item: ItemRef = {}): Promise<ChatAnswer> {
    const body = {
      model: this.model,
      messages: request.messages,
      max_tokens: request.maxTokens,
      temperature: 0,
      ...(request.logprobs ? { logprobs: true } : {}),
      ...request.extra,
    };
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}) },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      text = await response.text();
    } catch (cause) {
      if (controller.signal.aborted) throw new TransientCallError('timeout', `no answer from ${this.url} within ${this.timeoutMs} ms`, undefined, { cause });
      const why = (cause as { cause?: { code?: string } }).cause?.code ?? (cause as Error).message;
      throw new TransientCallError('network', `cannot reach ${this.url} (${why})`, undefined, { cause });
    } finally {
      clearTimeout(timer);
    }
    if (response.status === 429 || response.status >= 500) {
      throw new TransientCallError('status', `${this.url} answered HTTP ${response.status}: ${snippet(text)}`, retryAfterMs(response.headers.get('retry-after')));
    }
    if (!response.ok) {
      throw new EcommirError('ECM_ERR_BACKEND', `${this.url} refused the request with HTTP ${response.status}: ${snippet(text)}`, { item, statusCode: 502 });
    }
    return parseAnswer(text, this.url, item);
  }
}

function parseAnswer(text: string, url: string, item: ItemRef): ChatAnswer {
  let value: ChatCompletion;
  try {
    value = JSON.parse(text) as ChatCompletion;
  } catch (cause) {
    throw new EcommirError('ECM_ERR_BACKEND', `${url} answered with something other than JSON: ${snippet(text)}`, { item, cause, statusCode: 502 });
  }
  const choice = value?.choices?.[0];
  const content = choice?.message?.content;
  if (typeof content !== 'string') throw new EcommirError('ECM_ERR_BACKEND', `${url} answered without choices[0].message.content: ${snippet(text)}`, { item, statusCode: 502 });
  const tokens = choice?.logprobs?.content;
  const logprob = Array.isArray(tokens) && tokens.length > 0 && tokens.every((t) => typeof t?.logprob === 'number') ? tokens.reduce((sum, t) => sum + t.logprob, 0) : undefined;
  return { text: content, ...(logprob === undefined ? {} : { logprob }) };
}

/** The part of an OpenAI chat completion we read. */
interface ChatCompletion {
  choices?: { message?: { content?: unknown }; logprobs?: { content?: { token?: string; logprob: number }[] | null } | null }[];
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat || '(empty body)';
}

/** Retry-After in seconds or as an HTTP date. */
function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}
