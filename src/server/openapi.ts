// /openapi.json, generated from the route schemas Fastify validates with (collected by an onRoute
// hook), so the document and the enforcement are one source. OpenAPI 3.1 takes JSON Schema as is.
import type { FastifyInstance, RouteOptions } from 'fastify';
import { VERSION } from '../version.js';

type JsonObject = Record<string, unknown>;

interface CollectedRoute {
  method: string;
  url: string;
  schema: JsonObject;
}

/** Registers the hook; routes added after this call (in any child scope) are collected. */
export function collectRoutes(app: FastifyInstance): CollectedRoute[] {
  const routes: CollectedRoute[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    const schema = route.schema as JsonObject | undefined;
    if (!schema) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) if (method !== 'HEAD') routes.push({ method: method.toLowerCase(), url: route.url, schema });
  });
  return routes;
}

export function buildOpenApiDocument(routes: readonly CollectedRoute[]): JsonObject {
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const { method, url, schema } of routes) {
    const operation: JsonObject = {};
    for (const key of ['summary', 'description', 'tags', 'security'] as const) if (schema[key] !== undefined) operation[key] = schema[key];
    const body = schema.body as JsonObject | undefined;
    if (body) {
      const content = body.content
        ? (body.content as JsonObject)
        : { 'application/json': { schema: body } };
      operation.requestBody = { required: true, content: { ...content, ...((schema.documentedContent as JsonObject | undefined) ?? {}) } };
    }
    const responses: JsonObject = {};
    for (const [status, response] of Object.entries((schema.response as JsonObject | undefined) ?? {})) {
      const { description, ...responseSchema } = response as JsonObject;
      responses[status] = {
        description: typeof description === 'string' ? description : status === '200' ? 'OK' : `HTTP ${status}`,
        content: { 'application/json': { schema: responseSchema } },
      };
    }
    operation.responses = Object.keys(responses).length > 0 ? responses : { 200: { description: 'OK' } };
    (paths[url] ??= {})[method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'ecommir',
      version: VERSION,
      description: 'Image scene and dialogue intent recognition for e-commerce customer service. Errors are `{error: {code, message}}`.',
    },
    components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}
