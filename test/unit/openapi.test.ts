import { describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../infra/constructs/tenant-api';
import { openApiDocument } from '../../lambdas/shared/openapi/document';
import { OPERATIONS } from '../../lambdas/shared/openapi/operations';

/** The OpenAPI document: the routes infra deploys, each documented with its schemas, examples and errors. */
// biome-ignore lint/suspicious/noExplicitAny: the test walks a JSON document
type Json = Record<string, any>;
const document = openApiDocument() as Json;

describe('OpenAPI document', () => {
  it('documents exactly the routes API Gateway serves (but /health)', () => {
    const deployed = API_ROUTES.flatMap((route) => route.methods.map((method) => `${method} ${route.path}`)).sort();
    const documented = Object.entries(document.paths as Json)
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    expect(documented).toEqual(deployed);
  });

  it('is OpenAPI 3.1 with unique operation ids, a role, bearer auth and the common errors on every operation', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.security).toEqual([{ bearer: [] }]);
    const ids = OPERATIONS.map((operation) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [path, item] of Object.entries(document.paths as Json)) {
      for (const [method, operation] of Object.entries(item as Json)) {
        const where = `${method} ${path}`;
        expect(['member', 'admin', 'operator'], where).toContain(operation['x-strongbox-role']);
        expect(Object.keys(operation.responses), where).toEqual(expect.arrayContaining(['400', '401', '403', '500']));
        expect(operation.responses['400'].content['application/json'].schema).toEqual({
          $ref: '#/components/schemas/Error',
        });
        if (path.includes('{id}')) {
          // Tenant ids name tenants (operators' routes); every other {id} names a record of the caller's tenant.
          if (!path.startsWith('/v1/tenants/')) expect(operation['x-strongbox-id-kind'], where).toBeDefined();
          expect(operation.parameters[0]).toMatchObject({ name: 'id', in: 'path', required: true });
        }
      }
    }
  });

  it("gives every body its handler's schema and an example that this very schema accepts", () => {
    for (const operation of OPERATIONS.filter((candidate) => candidate.body)) {
      const where = `${operation.method} ${operation.path}`;
      const documented = document.paths[operation.path][operation.method.toLowerCase()].requestBody;
      const schema = documented.content['application/json'].schema;
      expect(schema.type ?? schema.oneOf ?? schema.anyOf, where).toBeDefined();
      if (operation.example === undefined) continue;
      const parsed = operation.body?.safeParse(operation.example);
      expect(parsed?.success, `${where}: ${JSON.stringify(parsed?.error?.issues)}`).toBe(true);
    }
    const policy = document.paths['/v1/policies/{id}'].put.requestBody.content['application/json'].schema;
    expect(policy.additionalProperties).toBe(false);
    expect(policy.required).toEqual(expect.arrayContaining(['name', 'sources', 'schedules']));
  });

  it('documents query parameters with their bounds (limit ≤ 100)', () => {
    const list = document.paths['/v1/backups'].get.parameters as Json[];
    const inQuery = list.filter((parameter) => parameter.in === 'query');
    expect(inQuery.map((parameter) => parameter.name).sort()).toEqual(['cursor', 'limit', 'sourceId']);
    // Operators name the tenant in a header on every tenant route, never in the path, query or body.
    expect(list.find((parameter) => parameter.name === 'Strongbox-Tenant')).toMatchObject({ in: 'header' });
    expect(document.paths['/v1/tenants'].get.parameters.map((parameter: Json) => parameter.name)).not.toContain(
      'Strongbox-Tenant',
    );
    expect(list.find((parameter) => parameter.name === 'limit')?.schema).toMatchObject({ maximum: 100, minimum: 1 });
  });
});
