// The human in the loop, over HTTP (needs `serve --feedback-db PATH`):
//   POST   /v1/feedback              {requestId, label, note?} → 201: a person's label for a stored prediction
//   DELETE /v1/feedback/:requestId   undo the current correction (history kept)
//   GET    /v1/feedback/:requestId   the stored prediction, its current label and the history
//   GET    /v1/review?task=&limit=   unlabelled predictions, the most informative first (active learning)
//   GET    /v1/review/images/:hash   a stored image, for the review page
// With reviewer keys configured, only a reviewer (or the operator's keyless local page) sees the
// review queue, the images and every stored prediction; any other key only the requests made with it,
// and its correction over a reviewer's label is 409 (the reviewer's label stands).
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { EcommirError } from '../../errors.js';
import { mapSteps, runInSlices, SliceClock } from '../../runtime/in-slices.js';
import { orderForReviewAsync } from '../../feedback/review-order.js';
import { textTokens, type SimilaritySignature } from '../../feedback/similarity.js';
import type { FeedbackStore, StoredPrediction } from '../../feedback/store.js';
import { informativeness, type Informativeness } from '../../feedback/uncertainty.js';
import type { Task } from '../../types.js';
import { isPng } from '../../vision/png-chunks.js';
import type { ServerContext } from '../context.js';
import { bearerKey, callerOf } from '../auth.js';
import { endsEmpty } from '../body-peek.js';
import { feedbackSchemas } from '../feedback-schemas.js';
import { requireJsonBody } from '../json-only.js';

/** With the u flag, a surrogate matches only when it is not half of a pair. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** How many unlabelled candidates the review queue considers per item asked for, and at most. */
const POOL_PER_ITEM = 10;
const MAX_POOL = 1000;
/** Labelled samples the diversity term compares with. */
const LABELLED_COMPARED = 200;

export function registerFeedbackRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const store = (): FeedbackStore => {
    if (!ctx.feedback) {
      throw new EcommirError('ECM_ERR_NOT_FOUND', 'the feedback store is off: start the service with --feedback-db PATH', { statusCode: 404 });
    }
    return ctx.feedback;
  };
  const schemas = feedbackSchemas();
  // Hashed at the first client correction, not at start-up: a read-only store has no salt to hash with
  // (and refuses the correction itself), and the keys and the store are fixed for the service's life.
  let reviewerHashes: ReadonlySet<string | null> | undefined;
  const reviewerKeyHashes = (): ReadonlySet<string | null> => (reviewerHashes ??= whoseLabelsStand(store(), ctx.options.auth.reviewerKeys));

  app.post('/v1/feedback', { schema: schemas.post, preValidation: requireJsonBody }, async (request, reply) => {
    const body = request.body as { requestId: string; label: string; note?: string };
    // SQLite stores text as UTF-8, where half a surrogate pair has no form: it came back as U+FFFD.
    if (body.note !== undefined && LONE_SURROGATE.test(body.note)) {
      throw new EcommirError('ECM_ERR_BAD_RECORD', 'note holds half of a UTF-16 surrogate pair (an emoji cut in two?): send well-formed text', { statusCode: 400 });
    }
    const db = store();
    // Before the label is checked: a 400 naming the task's labels would tell that the request exists.
    const caller = checkVisible(db, request, body.requestId);
    const stored = db.prediction(body.requestId);
    if (!stored) throw notFound(body.requestId);
    const label = body.label.trim();
    const allowed = ctx.runtime.labels?.[stored.task] ?? [];
    if (!allowed.includes(label)) {
      throw Object.assign(
        new EcommirError('ECM_ERR_UNKNOWN_LABEL', `"${label}" is not a ${stored.task} label; allowed: ${allowed.join(', ')}`, { statusCode: 400 }),
        { details: { allowed } },
      );
    }
    // A client (a key that is not a reviewer's, so there are reviewer keys) does not relabel over a
    // reviewer's label: 409. Who labelled is judged by the reviewer keys configured now.
    const result = db.correct({
      requestId: body.requestId,
      label,
      note: body.note,
      keyHash: caller.keyHash,
      ...(caller.reviewer ? {} : { notOverReviewers: reviewerKeyHashes() }),
    });
    return reply.code(201).send({
      requestId: body.requestId,
      task: result.task,
      label,
      correctionId: result.id,
      ...(result.replaced ? { replaced: result.replaced } : {}),
    });
  });

  // A DELETE's body is read and thrown away, outside the in-flight body budget (POST and PUT only): a
  // small bound keeps a client from sending the service's whole body limit that way.
  app.delete('/v1/feedback/:requestId', { schema: schemas.delete, bodyLimit: DELETE_BODY_LIMIT, preParsing: noBodyNoParser }, async (request) => {
    const { requestId } = request.params as { requestId: string };
    const db = store();
    const caller = checkVisible(db, request, requestId);
    // A client undoes its own corrections only: a reviewer's label on its request stays.
    const result = db.retract(requestId, caller.reviewer ? {} : { madeWith: caller.keyHash });
    return { requestId, retracted: result.retracted ?? null, label: result.current ?? null };
  });

  app.get('/v1/feedback/:requestId', { schema: schemas.get }, async (request) => {
    const { requestId } = request.params as { requestId: string };
    const db = store();
    const caller = checkVisible(db, request, requestId);
    const stored = db.prediction(requestId);
    if (!stored) throw notFound(requestId);
    // A client sees the labels given to its request, but not who gave the others or their notes.
    const history = db.history(requestId).map((entry) => (caller.reviewer || entry.keyHash === caller.keyHash ? entry : { ...entry, note: null, keyHash: null }));
    return { ...itemOf(stored), label: stored.correction?.label ?? null, history };
  });

  app.get('/v1/review', { schema: schemas.review, onRequest: reviewersOnly('the review queue (GET /v1/review)') }, async (request, reply) => {
    const query = request.query as { task: Task; limit?: string; by?: Informativeness };
    const db = store();
    const limit = query.limit === undefined ? 20 : Number(query.limit);
    const by = query.by ?? 'margin';
    // Stored rows hold up to 100,000 characters, a dialogue's signature takes milliseconds and the
    // order up to 300,000 comparisons: all of it in slices, so that other requests are served
    // meanwhile. Rows are read one per step; one labelled or removed since is left out.
    const poolIds = db.unlabelledIds(query.task, Math.min(MAX_POOL, Math.max(100, limit * POOL_PER_ITEM)), by);
    const labelledIds = db.recentlyLabelledIds(query.task, LABELLED_COMPARED);
    const labelled = await runInSlices(
      mapSteps(labelledIds, (id) => {
        const p = db.prediction(id);
        return p && signatureOf(p);
      }),
    );
    const candidates = await runInSlices(
      mapSteps(poolIds, (id) => {
        const p = db.prediction(id);
        return p && !p.correction ? { stored: p, informativeness: informativeness(p, by), signature: signatureOf(p) } : undefined;
      }),
    );
    const ordered = await orderForReviewAsync(candidates.filter(defined), { limit, labelled: labelled.filter(defined) });
    // The answer (100 items of up to 100,000 characters: some 30 MB of JSON) is serialised an item
    // at a time, in slices, and streamed: the same bytes the route's response schema gives, with the
    // route's own serialisers (the envelope's, then the item schema's), never all in one go.
    const envelope = reply.getSerializationFunction('200')!({
      task: query.task,
      by,
      counts: db.counts(query.task),
      labels: [...(ctx.runtime.labels?.[query.task] ?? [])],
      items: [],
    });
    const serializeItem = reply.compileSerializationSchema(schemas.review.response[200].properties.items.items, '200');
    const items = ordered.map((o) => ({ ...itemOf(o.item.stored), informativeness: o.item.informativeness, nearest: o.nearest }));
    // Checked before the 200 is sent: a schema that no longer ends with `items` fails as a 500.
    if (!envelope.endsWith(ITEMS_LAST)) throw new Error('the /v1/review answer no longer ends with its items');
    const head = envelope.slice(0, -'[]}'.length);
    return reply.type('application/json; charset=utf-8').send(Readable.from(jsonWithItems(head, items, serializeItem), { objectMode: false }));
  });

  app.get('/v1/review/images/:hash', { schema: schemas.image }, async (request, reply) => {
    const { hash } = request.params as { hash: string };
    const db = store();
    // A reviewer sees every stored image; any other key the images it sent itself (GET /v1/feedback links
    // them), and another key's image answers as a missing one.
    const visible = callerOf(request).reviewer || db.sentWith(hash, db.keyHash(bearerKey(request.headers.authorization)));
    const bytes = visible ? await db.images.read(hash) : undefined;
    if (!bytes) throw new EcommirError('ECM_ERR_NOT_FOUND', `no stored image ${hash}`, { statusCode: 404 });
    return reply.header('cache-control', 'private, max-age=3600').type(imageType(bytes)).send(bytes);
  });
}

/**
 * A DELETE takes no body, but Fastify hands a DELETE that names a content type to that type's parser,
 * which refused the missing body: `curl -X DELETE -H 'content-type: application/json'` (and clients that
 * send the header on every request) got 400 "the body is empty". A request that declares no body loses
 * the header here, so that nothing parses it; one that sends a body is parsed (and answered) as before.
 * A chunked body declares no length: whether there is one is known only at its first byte or its end,
 * so that is awaited here (nothing taken), and a body that ends empty loses `transfer-encoding` too (with
 * it, Fastify hands even a request without a content type to a parser: 415).
 */
async function noBodyNoParser(request: FastifyRequest, _reply: unknown, payload: Readable): Promise<void> {
  const headers = request.raw.headers;
  const length = headers['content-length'];
  if (headers['transfer-encoding'] === undefined) {
    if (length === undefined || Number(length) === 0) delete headers['content-type'];
    return;
  }
  if (await endsEmpty(payload)) {
    delete headers['content-type'];
    delete headers['transfer-encoding'];
  }
}

/** Bytes of body a DELETE may carry: it takes none, but clients that send `{}` on every request are answered. */
const DELETE_BODY_LIMIT = 1024;

/** How the review answer's envelope, serialised with no items, ends: `items` is its last property. */
const ITEMS_LAST = '"items":[]}';

/**
 * `head` (the answer up to `"items":`) and `items` serialised one by one, as chunks of ~64 KB or
 * more, letting the event loop turn whenever a slice has held it SLICE_MS.
 */
async function* jsonWithItems<T>(head: string, items: readonly T[], serialize: (item: T) => string): AsyncGenerator<string> {
  let chunk = `${head}[`;
  const slice = new SliceClock();
  for (const [i, item] of items.entries()) {
    chunk += (i === 0 ? '' : ',') + serialize(item);
    if (chunk.length >= 65_536) {
      yield chunk;
      chunk = '';
    }
    const turn = slice.turnIfSpent();
    if (turn) await turn;
  }
  yield `${chunk}]}`;
}

/**
 * Throws the 404 of an unknown requestId unless the caller may see this stored prediction: a reviewer
 * sees every one, any other caller those made with its own key. Another key's request answers exactly
 * as an unknown one, so that a client learns nothing of other clients' requests. Returns who asks.
 */
function checkVisible(db: FeedbackStore, request: FastifyRequest, requestId: string): { reviewer: boolean; keyHash: string | null } {
  const owner = db.ownerOf(requestId);
  // Hashed for every caller, so that an unknown requestId and another key's take the same time.
  const keyHash = db.keyHash(bearerKey(request.headers.authorization));
  const reviewer = callerOf(request).reviewer;
  if (owner === undefined) throw notFound(requestId);
  if (!reviewer && (owner === null || owner !== keyHash)) throw notFound(requestId);
  return { reviewer, keyHash };
}

/**
 * Whose corrections a client may not replace: the reviewer keys' hashes, and null — a correction made
 * without a key, which with reviewer keys configured only the operator's keyless local page can make.
 */
function whoseLabelsStand(db: FeedbackStore, reviewerKeys: readonly string[]): ReadonlySet<string | null> {
  return new Set<string | null>([null, ...reviewerKeys.map((key) => db.keyHash(key))]);
}

/** A route hook: 403 for a caller that is not a reviewer, before the request is validated or read. */
function reviewersOnly(what: string): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    if (callerOf(request).reviewer) return;
    throw new EcommirError(
      'ECM_ERR_FORBIDDEN',
      `${what} needs a reviewer key (one of the service's ECOMMIR_REVIEWER_KEYS or --reviewer-keys-file); this key may read, correct and undo only the requests made with it (/v1/feedback/{requestId})`,
      { statusCode: 403 },
    );
  };
}

function notFound(requestId: string): EcommirError {
  return new EcommirError('ECM_ERR_NOT_FOUND', `no stored prediction has requestId ${JSON.stringify(requestId)} (unknown, made before the feedback store was on, or removed by its retention limit)`, { statusCode: 404 });
}

/** A stored prediction as the API shows it: images as URLs of /v1/review/images. */
function itemOf(p: StoredPrediction) {
  const url = (hash: string): string => `/v1/review/images/${hash}`;
  return {
    requestId: p.requestId,
    task: p.task,
    createdAt: new Date(p.createdAt).toISOString(),
    modelVersion: p.modelVersion,
    ...(p.task === 'scene'
      ? { image: { hash: p.images[0]?.hash ?? '', url: url(p.images[0]?.hash ?? '') } }
      : { dialogue: p.turns.map((t) => ({ role: t.role, text: t.text, images: t.images.map((hash) => ({ hash, url: url(hash) })) })) }),
    prediction: { label: p.label, confidence: p.confidence, margin: p.margin, entropy: p.entropy, ranked: p.ranked },
  };
}

function signatureOf(p: StoredPrediction): SimilaritySignature {
  if (p.task === 'scene') return { content: p.contentHash, imageHashes: p.images.map((i) => i.dhash).filter((d): d is string => d !== undefined) };
  const text = p.turns.map((t) => t.text).join('\n');
  return { content: p.contentHash, tokens: textTokens(text, p.turns.flatMap((t) => t.images)) };
}

function defined<T>(x: T | undefined): x is T {
  return x !== undefined;
}

function imageType(bytes: Buffer): string {
  if (isPng(bytes)) return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'image/jpeg';
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  if (bytes.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
  return 'application/octet-stream';
}
