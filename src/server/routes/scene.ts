// POST /v1/scene: one image, as JSON `{image}` (base64 / data URL) or a multipart upload with one
// file part and an optional `id` field, held to the same limits as the JSON body.
import type { Multipart, MultipartFile } from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { EcommirError } from '../../errors.js';
import type { Sample } from '../../types.js';
import { classifySample } from '../classify.js';
import { requestDeadline, type ServerContext } from '../context.js';
import { recordOf } from '../record.js';
import { sceneSampleFromBody, sceneSampleFromBytes, type SceneBody } from '../request-sample.js';
import { ID_MAX_LENGTH } from '../schemas.js';

export function registerSceneRoute(app: FastifyInstance, ctx: ServerContext): void {
  // A JSON body holds one base64 image: its limit follows the image limit, not the batch-sized default.
  const bodyLimit = Math.min(ctx.options.limits.maxBodyBytes, Math.ceil((ctx.options.limits.maxImageBytes * 4) / 3) + 64 * 1024);
  app.post('/v1/scene', { schema: ctx.schemas.scene, bodyLimit }, async (request, reply) => {
    const started = performance.now();
    const sample = request.isMultipart()
      ? await sampleFromUpload(request)
      : sceneSampleFromBody(request.body as SceneBody, 0, ctx.options.limits.maxImageBytes);
    const deadline = requestDeadline(reply, ctx.options.limits.timeoutMs, 'the scene request');
    try {
      const prediction = await classifySample(ctx, sample, deadline.signal, recordOf(request));
      return { prediction, ms: Math.round(performance.now() - started), requestId: request.id };
    } finally {
      deadline.clear();
    }
  });
}

const bad = (message: string): EcommirError => new EcommirError('ECM_ERR_BAD_RECORD', message, { item: { id: '#0', index: 0 } });

async function sampleFromUpload(request: FastifyRequest): Promise<Sample> {
  let file: { bytes: Buffer; name: string } | undefined;
  let id: string | undefined;
  try {
    for await (const part of request.parts() as AsyncIterable<Multipart>) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || file) throw bad(`unexpected file part "${part.fieldname}": send one part named "file"`);
        // Throws FST_REQ_FILE_TOO_LARGE (→ 413) past the multipart fileSize limit.
        file = { bytes: await (part as MultipartFile).toBuffer(), name: (part as MultipartFile).filename || 'upload' };
      } else {
        if (part.fieldname !== 'id') throw bad(`unknown field "${part.fieldname}": the multipart body takes "file" and an optional "id"`);
        if (part.valueTruncated || String(part.value).length > ID_MAX_LENGTH) throw bad(`the id field is longer than ${ID_MAX_LENGTH} characters`);
        if (String(part.value) === '') throw bad('the id field is empty');
        id = String(part.value);
      }
    }
  } catch (err) {
    if (err instanceof EcommirError || (err as { code?: string }).code?.startsWith('FST_')) throw err;
    // busboy's parse errors (a broken boundary, a truncated part): the client's fault, not ours.
    throw bad(`malformed multipart body: ${(err as Error).message}`);
  }
  if (!file) throw new EcommirError('ECM_ERR_IMAGE_MISSING', 'the multipart body has no file part', { item: { id: id ?? '#0', index: 0 } });
  return sceneSampleFromBytes(new Uint8Array(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength), id, 0, file.name);
}
