import { z } from 'zod';
import { TENANT_ID_PATTERN } from '../../domain/ids';
import { OPERATIONS, type Operation } from './operations';

/**
 * The OpenAPI 3.1 document of the tenant API, generated from the operation list and the very zod schemas the handlers
 * parse (JSON Schema 2020-12 is OpenAPI 3.1's dialect, so zod's output is used as is). Served at GET /v1/openapi.json;
 * the security matrices and the fuzzing tests are generated from it.
 */
type Json = Record<string, unknown>;

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input: `error.fields` names each offending field.',
  401: 'No valid bearer token.',
  403: "The caller's role may not do this, or a host is not allowed.",
  404: "No such resource for this tenant (another tenant's id, a malformed id).",
  409: 'Conflict with the current state (changed meanwhile, a limit, a hold).',
  429: 'Too many requests or over a plan allowance; see Retry-After.',
  500: 'Internal error; `error.requestId` identifies it.',
};
const COMMON_ERRORS = [400, 401, 403, 429, 500];

const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', examples: ['validation_failed'] },
        message: { type: 'string' },
        fields: {
          type: 'array',
          items: {
            type: 'object',
            required: ['path', 'message'],
            properties: { path: { type: 'string', examples: ['schedules.0.expression'] }, message: { type: 'string' } },
          },
        },
        requestId: { type: 'string' },
      },
    },
  },
};

/** The request side of a schema (what a client sends: coerced query strings, defaults optional). */
function jsonSchema(schema: z.ZodType): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  return rest;
}

function parameters(operation: Operation): Json[] {
  const out: Json[] = [];
  if (operation.path.includes('{id}')) {
    out.push({
      name: 'id',
      in: 'path',
      required: true,
      description: operation.pathTenant ? 'The tenant id.' : `The ${operation.idKind ?? 'resource'} id.`,
      schema: { type: 'string' },
    });
  }
  if (operation.role !== 'operator' && operation.operationId !== 'getOpenApi') {
    out.push({
      name: 'Strongbox-Tenant',
      in: 'header',
      required: false,
      description:
        "Operators only: the tenant to act on. A tenant's token acts on its own tenant; naming another is a 403.",
      schema: { type: 'string', pattern: TENANT_ID_PATTERN.source },
    });
  }
  if (operation.idempotent) {
    out.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description:
        'Retrying with the same key and body within 24 h answers the first answer (header idempotent-replayed: true) ' +
        'and creates nothing more; the same key with another body is a 409 idempotency_key_reused.',
      schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
    });
  }
  if (operation.query) {
    const schema = jsonSchema(operation.query) as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      out.push({ name, in: 'query', required: (schema.required ?? []).includes(name), schema: property });
    }
  }
  return out;
}

function responses(operation: Operation): Json {
  const out: Json = {
    [operation.success.status]: {
      description: operation.success.description,
      ...(operation.success.status === 204 ? {} : { content: { 'application/json': { schema: { type: 'object' } } } }),
    },
  };
  for (const status of [...new Set([...COMMON_ERRORS, ...(operation.errors ?? [])])].sort()) {
    out[status] = {
      description: ERROR_DESCRIPTIONS[status] ?? 'Error.',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  return out;
}

export function openApiDocument(): Json {
  const paths: Record<string, Json> = {};
  for (const operation of OPERATIONS) {
    paths[operation.path] ??= {};
    (paths[operation.path] as Json)[operation.method.toLowerCase()] = {
      operationId: operation.operationId,
      tags: [operation.tag],
      summary: operation.summary,
      description: `Least role: ${operation.role}.`,
      'x-strongbox-role': operation.role,
      ...(operation.idKind ? { 'x-strongbox-id-kind': operation.idKind } : {}),
      parameters: parameters(operation),
      ...(operation.body
        ? {
            requestBody: {
              required: true,
              content: {
                'application/json': {
                  schema: jsonSchema(operation.body),
                  ...(operation.example === undefined ? {} : { example: operation.example }),
                },
              },
            },
          }
        : {}),
      responses: responses(operation),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Strongbox tenant API',
      version: '1',
      description:
        'Backups of databases and cloud resources, their retention, schedules, restores and webhooks. Every call ' +
        'carries a bearer token; the tenant comes from the token only (operators name it with the Strongbox-Tenant ' +
        "header). Every mutating call is recorded in the tenant's hash-chained audit trail. Errors have one shape (Error); lists are " +
        'paged by an opaque `cursor` with `limit` ≤ 100.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    tags: [...new Set(OPERATIONS.map((operation) => operation.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Error: ERROR_SCHEMA },
    },
  };
}
