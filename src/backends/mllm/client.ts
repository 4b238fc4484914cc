// One call to an OpenAI-compatible chat-completions endpoint (vLLM, SGLang, LMDeploy, llama.cpp
// server, Ollama), with a timeout. The client makes exactly one HTTP request per `complete()`: the
// caller owns the per-sample call budget (the challenge allows 3), so retries are counted there.
// Failures worth another call (network errors, timeouts, 429, 5xx) come back as TransientCallError;
// anything else (a 4xx: our request is wrong, a malformed or oversized body, a redirect) is an
// EcommirError at once. Messages name the endpoint without its query (a key may ride there), and a
// user name or password in the endpoint, or a key that cannot go in a header, is refused up front:
// either would otherwise be printed, to the console and to the service's clients.
import { EcommirError, type ItemRef } from '../../errors.js';
import { LONGEST_TIMER_MS } from '../../runtime/deadline.js';

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
/**
 * The largest response body read, decompressed. An answer is at most 100 tokens; with the
 * log-probabilities of each it is a few kB. A larger body is no answer, and was read whole before
 * (a 300 MB body took 1.5 GB of memory, a 448 kB gzip bomb 2.4 GB).
 */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
/** What a 400 about a request too long for the model says (vLLM, SGLang, llama.cpp, OpenAI). */
const SAMPLE_TOO_LONG = /context length|context window|maximum context|too many tokens|prompt is too long|exceeds the (?:available )?context|too many images|at most \d+ image/i;

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
    throw new EcommirError('ECM_ERR_BAD_OPTION', `--endpoint must be an http(s) URL, got ${JSON.stringify(shownUrl(endpoint))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new EcommirError('ECM_ERR_BAD_OPTION', `--endpoint must be an http(s) URL, got ${shownUrl(endpoint)}`);
  if (url.username !== '' || url.password !== '') {
    throw new EcommirError('ECM_ERR_BAD_OPTION', `--endpoint must not hold a user name or password (${shownUrl(endpoint)}): give the key in ECOMMIR_MLLM_API_KEY, sent as Authorization: Bearer`);
  }
  const path = url.pathname.replace(/\/+$/, '');
  if (path.endsWith('/chat/completions')) url.pathname = path;
  else if (path.endsWith('/v1')) url.pathname = `${path}/chat/completions`;
  else url.pathname = `${path}/v1/chat/completions`;
  return url.toString();
}

/**
 * A URL as messages show it: scheme, host and path, without a user name, password, query or
 * fragment. Text that is no URL is cut at its first `?` and any `user:password@` is dropped.
 */
export function shownUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return url.replace(/[?#].*$/s, '').replace(/\/\/[^/@]*@/, '//');
  }
}

/** Where a key breaks the header syntax (a line break, a space, a non-ASCII character), if it does. */
function badKeyCharacter(key: string): number | undefined {
  const at = [...key].findIndex((c) => c < '!' || c > '~');
  return at < 0 ? undefined : at;
}

export class ChatClient {
  /** The chat-completions URL requests go to. */
  private readonly target: string;
  /** The same, as messages name it (no query: see shownUrl). */
  readonly url: string;
  readonly model: string;
  private readonly apiKey?: string;
  private readonly timeoutMs: number;

  constructor(options: ChatClientOptions) {
    this.target = chatCompletionsUrl(options.endpoint);
    this.url = shownUrl(this.target);
    if (!options.model) throw new EcommirError('ECM_ERR_BAD_OPTION', 'the mllm backend needs a model name (--model, as the server serves it)');
    this.model = options.model;
    if (options.apiKey !== undefined) {
      const at = badKeyCharacter(options.apiKey);
      if (at !== undefined) {
        throw new EcommirError('ECM_ERR_BAD_OPTION', `the mllm API key (ECOMMIR_MLLM_API_KEY) has a character at position ${at + 1} that cannot go in an HTTP header (a space, a line break, a control or non-ASCII character); the key is not shown`);
      }
    }
    this.apiKey = options.apiKey;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isInteger(this.timeoutMs) || this.timeoutMs < 1 || this.timeoutMs > LONGEST_TIMER_MS) {
      throw new EcommirError('ECM_ERR_BAD_OPTION', `--mllm-timeout-ms must be an integer from 1 to ${LONGEST_TIMER_MS} (about 24.8 days), got ${this.timeoutMs}`);
    }
  }

  /** One call; `signal` (the caller's deadline) aborts it, rejecting with the signal's reason. */
  async complete(request: ChatRequest, item: ItemRef = {}, signal?: AbortSignal): Promise<ChatAnswer> {
    signal?.throwIfAborted();
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
    let text: string | undefined;
    try {
      // Redirects are not followed: the prompt and the user's images would go to another server,
      // and an answer from there would be told as this endpoint's.
      response = await fetch(this.target, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}) },
        body: JSON.stringify(body),
        signal: signal ? AbortSignal.any([controller.signal, signal]) : controller.signal,
        redirect: 'manual',
      });
      text = await readCapped(response, MAX_RESPONSE_BYTES);
    } catch (cause) {
      if (signal?.aborted) throw signal.reason;
      if (controller.signal.aborted) throw new TransientCallError('timeout', `no answer from ${this.url} within ${this.timeoutMs} ms`, undefined, { cause });
      const inner = (cause as { cause?: { code?: string; message?: string } }).cause;
      const why = inner?.code ?? inner?.message ?? (cause as Error).message;
      throw new TransientCallError('network', `cannot reach ${this.url} (${why})`, undefined, { cause });
    } finally {
      clearTimeout(timer);
    }
    if (response.status >= 300 && response.status < 400) {
      const location = response.headers.get('location');
      let to = '';
      if (location) {
        try {
          to = ` to ${shownUrl(new URL(location, this.target).toString())}`;
        } catch {
          to = ' to an invalid location';
        }
      }
      throw new EcommirError('ECM_ERR_BACKEND', `${this.url} answered HTTP ${response.status}, a redirect${to}: redirects are not followed (the request would go to another server); give the final URL as --endpoint`, { item, statusCode: 502 });
    }
    if (text === undefined) {
      throw new EcommirError('ECM_ERR_BACKEND', `${this.url} answered with more than ${MAX_RESPONSE_BYTES} bytes (${response.headers.get('content-encoding') ? 'decompressed' : 'as sent'}), which is no answer of ${request.maxTokens} tokens`, { item, statusCode: 502 });
    }
    if (response.status === 429 || response.status >= 500) {
      throw new TransientCallError('status', `${this.url} answered HTTP ${response.status}: ${snippet(text)}`, retryAfterMs(response.headers.get('retry-after')));
    }
    if (!response.ok) {
      // About this request alone: a body too large (413) or a dialogue past the context length (a 400
      // that says so). Any other 4xx is about the endpoint, the key, the model name or a field the engine
      // does not take (a 400 "unrecognized argument guided_choice"), which no sample fixes: every sample
      // would spend a request to be skipped.
      const code = response.status === 413 || (response.status === 400 && SAMPLE_TOO_LONG.test(text)) ? 'ECM_ERR_NO_ANSWER' : 'ECM_ERR_BACKEND';
      throw new EcommirError(code, `${this.url} refused the request with HTTP ${response.status}: ${snippet(text)}`, { item, statusCode: 502 });
    }
    return parseAnswer(text, this.url, item);
  }
}

/** The body as text (as response.text() decodes it), or undefined once it passes `maxBytes`. */
async function readCapped(response: Response, maxBytes: number): Promise<string | undefined> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  // Leaving the loop early cancels the stream: the rest is not read.
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) return undefined;
    chunks.push(chunk);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
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

/** Text as a message quotes it: cut at 200 characters. */
export function cut(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function snippet(text: string): string {
  return cut(text.replace(/\s+/g, ' ').trim()) || '(empty body)';
}

/** Retry-After in seconds or as an HTTP date. */
function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}
