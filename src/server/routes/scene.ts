// POST /v1/scene: one image, as JSON `{image}` (base64 / data URL) or a multipart upload.
import type { MultipartFile } from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { EcommirError } from '../../errors.js';
import type { Sample } from '../../types.js';
import { classifySample } from '../classify.js';
import { requestDeadline, type ServerContext } from '../context.js';
import { sceneSampleFromBody, sceneSampleFromBytes, type SceneBody } from '../request-sample.js';

export function registerSceneRoute(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/v1/scene', { schema: ctx.schemas.scene }, async (request, reply) => {
    const started = performance.now();
    const sample = request.isMultipart()
      ? await sampleFromUpload(request)
      : sceneSampleFromBody(request.body as SceneBody, 0, ctx.options.limits.maxImageBytes);
    const deadline = requestDeadline(reply, ctx.options.limits.timeoutMs, 'the scene request');
    try {
      const prediction = await classifySample(ctx.options, ctx.queue, sample, deadline.signal);
      return { prediction, ms: Math.round(performance.now() - started) };
    } finally {
      deadline.clear();
    }
  });
}

async function sampleFromUpload(request: FastifyRequest): Promise<Sample> {
  const part: MultipartFile | undefined = await request.file();
  if (!part) throw new EcommirError('ECM_ERR_IMAGE_MISSING', 'the multipart body has no file part', { item: { id: '#0', index: 0 } });
  // Throws FST_REQ_FILE_TOO_LARGE (→ 413) past the multipart fileSize limit.
  const bytes = await part.toBuffer();
  const idField = part.fields.id;
  const id = idField && !Array.isArray(idField) && idField.type === 'field' ? String(idField.value) : undefined;
  return sceneSampleFromBytes(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), id, 0, part.filename || 'upload');
}
