// /openapi.json, generated from the route schemas Fastify validates with (collected by an onRoute
// hook), so the document and the enforcement are one source. OpenAPI 3.1 takes JSON Schema as is.
// Routes whose schema says `hide` (the page's static files) are left out, as @fastify/swagger does:
// a code generator has no use for them.
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
    if (!schema || schema.hide === true) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) if (method !== 'HEAD') routes.push({ method: method.toLowerCase(), url: route.url, schema });
  });
  return routes;
}

/** Fastify's `/v1/feedback/:requestId` as OpenAPI writes it: `/v1/feedback/{requestId}`. */
function openApiPath(url: string): string {
  return url.replace(/:(\w+)/g, '{$1}');
}

/** The path and query parameters of an operation, from the route's `params` and `querystring` schemas. */
function parametersOf(schema: JsonObject): JsonObject[] {
  const parameters: JsonObject[] = [];
  for (const [key, where] of [['params', 'path'], ['querystring', 'query']] as const) {
    const object = schema[key] as { properties?: Record<string, JsonObject>; required?: string[] } | undefined;
    for (const [name, { description, ...valueSchema }] of Object.entries(object?.properties ?? {})) {
      parameters.push({
        name,
        in: where,
        // A path parameter is always required in OpenAPI.
        required: where === 'path' || (object?.required ?? []).includes(name),
        ...(typeof description === 'string' ? { description } : {}),
        schema: valueSchema,
      });
    }
  }
  return parameters;
}

export function buildOpenApiDocument(routes: readonly CollectedRoute[]): JsonObject {
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const { method, url, schema } of routes) {
    const operation: JsonObject = {};
    for (const key of ['summary', 'description', 'tags', 'security'] as const) if (schema[key] !== undefined) operation[key] = schema[key];
    const parameters = parametersOf(schema);
    if (parameters.length > 0) operation.parameters = parameters;
    const body = schema.body as JsonObject | undefined;
    if (body) {
      const content = body.content
        ? (body.content as JsonObject)
        : { 'application/json': { schema: body } };
      operation.requestBody = { required: schema.bodyOptional !== true, content: { ...content, ...((schema.documentedContent as JsonObject | undefined) ?? {}) } };
    }
    const responses: JsonObject = {};
    for (const [status, response] of Object.entries((schema.response as JsonObject | undefined) ?? {})) {
      const { description, ...responseSchema } = response as JsonObject;
      responses[status] = {
        description: typeof description === 'string' ? description : status === '200' ? 'OK' : `HTTP ${status}`,
        content: { 'application/json': { schema: responseSchema } },
      };
    }
    // A route whose schema lists only its errors (a stored image's bytes) still answers 200.
    if (!Object.keys(responses).some((status) => status.startsWith('2'))) responses[200] = { description: 'OK' };
    operation.responses = responses;
    (paths[openApiPath(url)] ??= {})[method] = operation;
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
