// API keys: `Authorization: Bearer KEY`, compared in constant time. Keys come from ECOMMIR_API_KEYS
// (comma-separated) and/or a file (one key a line; a line starting with `#` is a comment, and `#`
// elsewhere is part of the key). A key shorter than MIN_KEY_LENGTH, or with a space in it (it could
// never match a header), stops the start-up with an error naming where it came from. The policy for
// keyless local use is decided by the serve command (see resolveAuthPolicy) and documented there.
// Reviewer keys (ECOMMIR_REVIEWER_KEYS, --reviewer-keys-file) are read by the same rules. Once there
// is one, the other keys see only the stored samples of their own requests (see Caller).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { EcommirError } from '../errors.js';
import { readSideText, unreadableReason } from '../data/read-file.js';
import type { AuthOptions } from './options.js';

export const MIN_KEY_LENGTH = 16;

/** Which list a key belongs to, as errors name it. */
export type KeyKind = 'API' | 'reviewer';

/** Trims and checks keys; duplicates dropped. `where(i)` names the i-th key in errors. */
export function validateApiKeys(keys: readonly string[], where: string | ((index: number) => string), kind: KeyKind = 'API'): string[] {
  const name = typeof where === 'string' ? (i: number) => `${where}[${i}]` : where;
  const out: string[] = [];
  keys.forEach((raw, i) => {
    const key = raw.trim();
    if (/\s/.test(key)) throw new EcommirError('ECM_ERR_BAD_OPTION', `${kind} key ${name(i)} contains a space or tab: such a key can never match a request`);
    if (key.length < MIN_KEY_LENGTH) {
      throw new EcommirError('ECM_ERR_BAD_OPTION', `${kind} key ${name(i)} has ${key.length} characters; keys need at least ${MIN_KEY_LENGTH} (e.g. \`openssl rand -hex 24\`)`);
    }
    if (!out.includes(key)) out.push(key);
  });
  return out;
}

/** Reads keys from the environment variable and an optional file. */
export async function loadApiKeys(env: string | undefined, file?: string, envName = 'ECOMMIR_API_KEYS', kind: KeyKind = 'API'): Promise<string[]> {
  const fromEnv = (env ?? '').split(',').map((k) => k.trim());
  const envKeys = validateApiKeys(
    fromEnv.filter((k) => k !== ''),
    (i) => `#${i + 1} of ${envName}`,
    kind,
  );
  if (!file) return envKeys;
  let text: string;
  try {
    text = await readSideText(file);
  } catch (cause) {
    const why = unreadableReason(cause);
    throw new EcommirError('ECM_ERR_BAD_OPTION', `cannot read the ${kind} keys file ${file}: ${why}`, { cause });
  }
  const lines: { key: string; line: number }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const key = raw.trim();
    if (key !== '' && !key.startsWith('#')) lines.push({ key, line: i + 1 });
  });
  if (lines.length === 0) {
    // An empty reviewer file would not scope anything: every key would stay a reviewer, unnoticed.
    const risk = kind === 'reviewer' ? 'an empty file would leave every key a reviewer of every stored sample' : 'an empty file would leave /v1 open';
    throw new EcommirError('ECM_ERR_BAD_OPTION', `the ${kind} keys file ${file} has no keys (only blank lines and comments); ${risk}`);
  }
  const fileKeys = validateApiKeys(
    lines.map((l) => l.key),
    (i) => `on line ${lines[i].line} of ${file}`,
    kind,
  );
  return [...new Set([...envKeys, ...fileKeys])];
}

export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  if (address === '::1' || address === 'localhost') return true;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** `localhost`, `*.localhost`, 127.x.y.z or [::1], with or without a port. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const match = /^(\[[^\]]*\]|[^:]*)(?::\d{1,5})?$/.exec(host.trim().toLowerCase());
  if (!match) return false;
  const name = match[1];
  return name === 'localhost' || name.endsWith('.localhost') || name === '[::1]' || isLoopbackAddress(name);
}

// Hashing both sides first gives equal-length buffers, so neither the key's length nor its
// content leaks through timing; every configured key is compared (no early exit).
function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Who a request that passed the key check is. */
export interface Caller {
  /**
   * May read, relabel and undo every stored sample, and read the review queue and the stored images.
   * Otherwise only the requests made with its own key. Without reviewer keys configured every
   * caller is one (a single-tenant service); keyless loopback access always is (the operator).
   */
  reviewer: boolean;
}

export class ApiKeyCheck {
  private readonly digests: Buffer[];
  private readonly reviewerDigests: Buffer[];

  constructor(private readonly options: AuthOptions) {
    this.digests = [...new Set([...options.apiKeys, ...options.reviewerKeys])].map(digest);
    this.reviewerDigests = options.reviewerKeys.map(digest);
  }

  /** Throws 401 ECM_ERR_UNAUTHORIZED (or 403 for a page elsewhere) unless the request may pass. */
  verify(headers: IncomingHttpHeaders, remoteAddress: string | undefined): Caller {
    const authorization = headers.authorization;
    if (this.options.anonymousLoopback && isLoopbackAddress(remoteAddress) && authorization === undefined) {
      checkLocalOrigin(headers);
      return { reviewer: true };
    }
    const key = bearerKey(authorization);
    if (key === undefined) {
      throw new EcommirError('ECM_ERR_UNAUTHORIZED', 'missing API key: send the header "Authorization: Bearer <key>"', { statusCode: 401 });
    }
    const presented = digest(key);
    let found = false;
    for (const known of this.digests) found = timingSafeEqual(known, presented) || found;
    if (!found) throw new EcommirError('ECM_ERR_UNAUTHORIZED', 'invalid API key', { statusCode: 401 });
    if (this.reviewerDigests.length === 0) return { reviewer: true };
    let reviewer = false;
    for (const known of this.reviewerDigests) reviewer = timingSafeEqual(known, presented) || reviewer;
    return { reviewer };
  }
}

const CALLERS = new WeakMap<FastifyRequest, Caller>();

/** Checks a request's key and keeps who it is for the routes (callerOf). */
export function admit(check: ApiKeyCheck, request: FastifyRequest): void {
  CALLERS.set(request, check.verify(request.headers, request.socket.remoteAddress));
}

/** Who the request is; one that never passed `admit` is no reviewer (a route outside /v1 fails closed). */
export function callerOf(request: FastifyRequest): Caller {
  return CALLERS.get(request) ?? { reviewer: false };
}

/**
 * The start-up warning of a service shared by several keys with no reviewer among them: every key
 * reads, relabels and undoes every other key's stored samples. Undefined when there is nothing to say.
 */
export function sharedSamplesWarning(input: { apiKeys: readonly string[]; reviewerKeys: readonly string[]; feedback: boolean }): string | undefined {
  if (!input.feedback || input.reviewerKeys.length > 0 || input.apiKeys.length < 2) return undefined;
  return (
    `${input.apiKeys.length} API keys and no reviewer keys: every key can read, relabel and undo every other key's stored samples ` +
    '(/v1/feedback, /v1/review, the stored images). To limit keys to the requests made with them, give the keys that may review everything ' +
    'in --reviewer-keys-file or ECOMMIR_REVIEWER_KEYS'
  );
}

/**
 * A request let in without a key must come from this machine's own page: a loopback Host (so a
 * DNS-rebinding name pointed at 127.0.0.1 is refused) and no Origin of another site (CSRF).
 */
function checkLocalOrigin(headers: IncomingHttpHeaders): void {
  const host = headers.host;
  if (!isLoopbackHost(host)) {
    throw new EcommirError('ECM_ERR_FORBIDDEN', `requests without a key must be addressed to localhost or a loopback address, not ${JSON.stringify(host ?? '')}`, { statusCode: 403 });
  }
  const origin = headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let originHost: string | undefined;
    try {
      originHost = new URL(origin).host;
    } catch {
      originHost = undefined;
    }
    if (originHost?.toLowerCase() !== host!.trim().toLowerCase()) {
      throw new EcommirError('ECM_ERR_FORBIDDEN', `requests without a key are refused from another site (Origin ${origin})`, { statusCode: 403 });
    }
  } else if (origin === 'null' || headers['sec-fetch-site'] === 'cross-site') {
    throw new EcommirError('ECM_ERR_FORBIDDEN', 'requests without a key are refused from another site', { statusCode: 403 });
  }
}

/**
 * Who may call /v1 without a key — the policy `ecommir serve` applies:
 * - keys configured: a key is required, except from a loopback peer when the operator passes
 *   --allow-anonymous-localhost (for the local web page). Behind a reverse proxy on the same host
 *   every request looks local: do not combine that flag with a proxy.
 * - no keys and a loopback host: open to local callers (a developer's machine); nothing else can connect.
 * - no keys and a non-loopback host: refused at start-up, so the service is never open by accident.
 * Keyless requests must name a loopback Host and come from no other site's page (see checkLocalOrigin).
 * One let in counts as a reviewer: it is the operator at the machine (the review page).
 */
export function resolveAuthPolicy(input: { apiKeys: readonly string[]; reviewerKeys?: readonly string[]; host: string; allowAnonymousLocalhost: boolean }): AuthOptions {
  const loopbackHost = isLoopbackAddress(input.host);
  const reviewerKeys = input.reviewerKeys ?? [];
  // A reviewer key is an API key too: reviewer keys alone close the service as ordinary keys do.
  const anyKey = input.apiKeys.length + reviewerKeys.length > 0;
  if (!anyKey && !loopbackHost) {
    throw new EcommirError(
      'ECM_ERR_BAD_OPTION',
      `no API keys configured: refusing to listen on ${input.host} (set ECOMMIR_API_KEYS or --api-keys-file, or listen on 127.0.0.1)`,
    );
  }
  return {
    apiKeys: input.apiKeys,
    reviewerKeys,
    anonymousLoopback: input.allowAnonymousLocalhost || !anyKey,
  };
}

/** The bearer key of a request, if it sent one: `Bearer`, any case, then the key, spaces around it allowed. */
export function bearerKey(authorization: string | undefined): string | undefined {
  return /^Bearer +(\S+) *$/i.exec(authorization ?? '')?.[1];
}

/**
 * Who a request counts against in the rate limit and the body budget: its key (hashed, so no key is
 * kept), else its address. The key, not the header: `bearer KEY` or a second space must not buy a new allowance.
 */
export function clientOf(authorization: string | undefined, address: string | undefined): string {
  const key = bearerKey(authorization);
  return key !== undefined ? `key ${createHash('sha256').update(key).digest('base64url')}` : `address ${address ?? '?'}`;
}
