import { json } from '../../shared/http';
import { apiHandler } from '../../shared/middleware';
import { openApiDocument } from '../../shared/openapi/document';
import { routeKey } from '../../shared/requests';

let document: Record<string, unknown> | undefined;

/**
 * Liveness of the API itself (GET /health: no auth, no dependencies), and the API's OpenAPI document
 * (GET /v1/openapi.json: behind the authorizer like every /v1 route, built once per container).
 */
export const handler = apiHandler(async (event) => {
  if (routeKey(event) === 'GET /v1/openapi.json') {
    document ??= openApiDocument();
    return json(200, document);
  }
  return json(200, { status: 'ok', service: 'strongbox' });
});
