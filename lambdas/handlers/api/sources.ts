import { deleteSource } from '../../app/sources/delete-source';
import { registerSource } from '../../app/sources/register-source';
import { getSource, listSources } from '../../app/sources/source-queries';
import { toSourceView } from '../../domain/source';
import { principalFromEvent, requireTenant } from '../../shared/auth';
import { json } from '../../shared/http';
import { apiHandler } from '../../shared/middleware';
import { pathId, query, requireRole, routeKey, unknownRoute } from '../../shared/requests';
import { createSourceSchema, pageQuerySchema } from '../../shared/schemas';
import { parseInput, parseJsonBody } from '../../shared/validation';
import { runtime } from '../wiring';

export const handler = apiHandler(async (event) => {
  const deps = runtime();
  const principal = principalFromEvent(event);
  const tenantId = requireTenant(principal);
  switch (routeKey(event)) {
    case 'POST /v1/sources': {
      requireRole(principal, 'admin');
      const input = parseInput(createSourceSchema, parseJsonBody(event.body, event.isBase64Encoded), 'body');
      const source = await registerSource(deps, { tenantId, ...input });
      return json(201, source, { location: `/v1/sources/${source.id}` });
    }
    case 'GET /v1/sources': {
      const page = parseInput(pageQuerySchema, query(event), 'query');
      return json(200, await listSources(deps.catalog, tenantId, page));
    }
    case 'GET /v1/sources/{id}':
      return json(200, toSourceView(await getSource(deps.catalog, tenantId, pathId(event, 'source'))));
    case 'DELETE /v1/sources/{id}':
      requireRole(principal, 'admin');
      await deleteSource(deps, tenantId, pathId(event, 'source'));
      return { statusCode: 204, headers: { 'cache-control': 'no-store' }, body: '' };
    default:
      return unknownRoute(event);
  }
});
