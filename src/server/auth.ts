// API keys: `Authorization: Bearer KEY`, compared in constant time. Keys come from ECOMMIR_API_KEYS
// (comma-separated) and/or a file (one key a line, `#` comments). The policy for keyless local use
// is decided by the serve command (see resolveAuthPolicy) and documented there.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { EcommirError } from '../errors.js';
import type { AuthOptions } from './options.js';

/** Reads keys from the environment variable and an optional file; duplicates and blanks dropped. */
export async function loadApiKeys(env: string | undefined, file?: string): Promise<string[]> {
  const keys = (env ?? '').split(',');
  if (file) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (cause) {
      throw new EcommirError('ECM_ERR_BAD_OPTION', `cannot read the API keys file ${file}`, { cause });
    }
    keys.push(...text.split(/\r?\n/).map((line) => line.replace(/#.*$/, '')));
  }
  return [...new Set(keys.map((key) => key.trim()).filter((key) => key !== ''))];
}

export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  if (address === '::1' || address === 'localhost') return true;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

// Hashing both sides first gives equal-length buffers, so neither the key's length nor its
// content leaks through timing; every configured key is compared (no early exit).
function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export class ApiKeyCheck {
  private readonly digests: Buffer[];

  constructor(private readonly options: AuthOptions) {
    this.digests = options.apiKeys.map(digest);
  }

  /** Throws 401 ECM_ERR_UNAUTHORIZED unless the request may pass. */
  verify(authorization: string | undefined, remoteAddress: string | undefined): void {
    if (this.options.anonymousLoopback && isLoopbackAddress(remoteAddress)) return;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) {
      throw new EcommirError('ECM_ERR_UNAUTHORIZED', 'missing API key: send the header "Authorization: Bearer <key>"', { statusCode: 401 });
    }
    const presented = digest(match[1]);
    let found = false;
    for (const known of this.digests) found = timingSafeEqual(known, presented) || found;
    if (!found) throw new EcommirError('ECM_ERR_UNAUTHORIZED', 'invalid API key', { statusCode: 401 });
  }
}

/**
 * Who may call /v1 without a key — the policy `ecommir serve` applies:
 * - keys configured: a key is required, except from a loopback peer when the operator passes
 *   --allow-anonymous-localhost (for the local web page). Behind a reverse proxy on the same host
 *   every request looks local: do not combine that flag with a proxy.
 * - no keys and a loopback host: open to local callers (a developer's machine); nothing else can connect.
 * - no keys and a non-loopback host: refused at start-up, so the service is never open by accident.
 */
export function resolveAuthPolicy(input: { apiKeys: readonly string[]; host: string; allowAnonymousLocalhost: boolean }): AuthOptions {
  const loopbackHost = isLoopbackAddress(input.host);
  if (input.apiKeys.length === 0 && !loopbackHost) {
    throw new EcommirError(
      'ECM_ERR_BAD_OPTION',
      `no API keys configured: refusing to listen on ${input.host} (set ECOMMIR_API_KEYS or --api-keys-file, or listen on 127.0.0.1)`,
    );
  }
  return {
    apiKeys: input.apiKeys,
    anonymousLoopback: input.allowAnonymousLocalhost || input.apiKeys.length === 0,
  };
}
