// A budget for request bodies in flight: a burst of large uploads is refused (503) instead of being
// buffered until memory runs out. One client (an API key, or an address without one) may hold at
// most half of it, or one largest body if that is more: a client that declares large bodies and
// sends them a byte a second holds its share until the request timeout, and must not lock everyone
// else out meanwhile.
//
// A body that declares its length is counted at that length before a byte of it is read. A JSON one
// that does not (chunked) is counted as it arrives, a step at a time: counted at the largest body a
// route takes, as it once was, four chunked requests of a few bytes each that then stalled held the
// whole budget, and every other client's POST was refused until the request timeout ended them.
// The JSON reader asks for each further step (`coverStreamedBody`) and fails its request with 503
// when the budget has no room. Other bodies are read past any reader of ours (@fastify/multipart
// reads straight from the socket; Fastify's own text parser reads a body before its route refuses
// it with 415), so a chunked one is counted at the most it may hold: a multipart upload at one image
// and one short field, anything else at the largest body.
//
// A refused request keeps its connection: Node then reads and drops the rest of its body, so a client
// still sending reads the 503. Closing it instead reset the socket under the client's feet, and most
// clients of a burst saw a broken connection rather than the answer. The dropped bytes cost no memory,
// and the request timeout still ends a connection that sends too slowly.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EcommirError } from '../errors.js';
import { clientOf } from './auth.js';

export interface BodyBudgetOptions {
  /** All bodies in flight, bytes. */
  budget: number;
  /** The largest body a route takes (a JSON body). */
  maxBody: number;
  /** The largest multipart body: one image and its field. */
  maxMultipartBody: number;
}

/**
 * A body without a declared length is counted this many bytes at a time: 1 MiB (a dialogue fits in
 * its first step; a batch of screenshots asks a few dozen times), or a sixteenth of the largest body
 * if that is less, so that stalled bodies hold at most a sixteenth of the budget each.
 */
export function streamedStep(maxBody: number): number {
  return Math.max(1024, Math.min(1024 * 1024, Math.floor(maxBody / 16)));
}

interface StreamedBody {
  /** Bytes counted for it so far. */
  counted: number;
  grow(to: number): boolean;
  reply: FastifyReply;
  /** Whose share ran out when `grow` last said no. */
  full?: Full;
}

type Full = 'total' | 'client';

const STREAMED = new WeakMap<FastifyRequest, StreamedBody>();

/**
 * Whether the budget covers `received` bytes of a request's body: always for a body that declared
 * its length (counted whole already) or a request the budget does not count; for a streamed one, it
 * is counted on to cover them, a step at a time, and false means no room is left (refuse it, 503).
 */
export function coverStreamedBody(request: FastifyRequest, received: number): boolean {
  const body = STREAMED.get(request);
  return body === undefined || received <= body.counted || body.grow(received);
}

/** The refusal of a streamed body the budget cannot cover, with the Retry-After a refusal at the start gets. */
export function streamedBodyRefused(request: FastifyRequest): EcommirError {
  const body = STREAMED.get(request);
  body?.reply.header('retry-after', '1');
  return busy(body?.full ?? 'total');
}

function busy(full: Full): EcommirError {
  const whose = full === 'total' ? 'the service is receiving too many large requests' : 'this client is already sending large requests';
  return new EcommirError('ECM_ERR_BUSY', `${whose}; retry later`, { statusCode: 503 });
}

export function installBodyBudget(app: FastifyInstance, { budget, maxBody, maxMultipartBody }: BodyBudgetOptions): void {
  const step = streamedStep(maxBody);
  const perClient = Math.max(maxBody, Math.floor(budget / 2));
  let inFlight = 0;
  const byClient = new Map<string, number>();
  const room = (client: string, size: number): Full | undefined =>
    inFlight + size > budget ? 'total' : (byClient.get(client) ?? 0) + size > perClient ? 'client' : undefined;
  const take = (client: string, size: number): void => {
    inFlight += size;
    byClient.set(client, (byClient.get(client) ?? 0) + size);
  };
  app.addHook('onRequest', async (request, reply) => {
    // Fastify reads a body for any method but these (a PATCH to an unknown path included).
    if (request.method === 'GET' || request.method === 'HEAD') return;
    const declared = Number(request.headers['content-length']);
    const hasLength = request.headers['content-length'] !== undefined && Number.isFinite(declared) && declared >= 0;
    // Neither a length nor a transfer encoding: HTTP says there is no body (a DELETE, say).
    if (!hasLength && request.headers['transfer-encoding'] === undefined) return;
    const type = request.headers['content-type']?.split(';')[0].trim().toLowerCase() ?? '';
    const json = type === 'application/json';
    const first = hasLength ? Math.min(declared, maxBody) : json ? step : type.startsWith('multipart/') ? Math.min(maxMultipartBody, maxBody) : maxBody;
    const client = clientOf(request.headers.authorization, request.socket.remoteAddress);
    const full = room(client, first);
    if (full) {
      reply.header('retry-after', '1');
      throw busy(full);
    }
    take(client, first);
    let released = false;
    const body: StreamedBody = {
      counted: first,
      reply,
      grow(to) {
        if (released) return false;
        const target = Math.min(maxBody, Math.ceil(to / step) * step);
        // Past the route's limit the reader refuses the body itself (413), not the budget.
        if (target <= body.counted) return true;
        body.full = room(client, target - body.counted);
        if (body.full) return false;
        take(client, target - body.counted);
        body.counted = target;
        return true;
      },
    };
    // Only the JSON reader grows a share; other bodies keep the one they were given.
    if (!hasLength && json) STREAMED.set(request, body);
    const release = (): void => {
      if (released) return;
      released = true;
      inFlight -= body.counted;
      const left = (byClient.get(client) ?? body.counted) - body.counted;
      if (left <= 0) byClient.delete(client);
      else byClient.set(client, left);
    };
    reply.raw.once('close', release);
    reply.raw.once('finish', release);
  });
}
