import { deleteSource } from '../../app/sources/delete-source';
import { type RegisterSourceInput, registerSource } from '../../app/sources/register-source';
import { getSource, listSources } from '../../app/sources/source-queries';
import { updateSource } from '../../app/sources/update-source';
import { type SnapshotSourceType, toSourceView } from '../../domain/source';
import { json } from '../../shared/http';
import { pathId, query, requireRole, routeKey, unknownRoute } from '../../shared/requests';
import {
  type CreateSourceInput,
  createSourceSchemaFor,
  pageQuerySchema,
  updateSourceSchema,
} from '../../shared/schemas';
import { parseInput, parseJsonBody } from '../../shared/validation';
import { caller } from '../caller';
import { tenantApiHandler } from '../tenant-api-handler';
import { runtime } from '../wiring';

/** Snapshot sources name their resource by its own field (volumeId…) and default to the deployment's region. */
function registration(tenantId: string, input: CreateSourceInput, defaultRegion: string): RegisterSourceInput {
  const snapshot = (type: SnapshotSourceType, resourceId: string, region: string | undefined) => ({
    tenantId,
    name: input.name,
    type,
    resourceId,
    region: region ?? defaultRegion,
    ...(input.tags === undefined ? {} : { tags: input.tags }),
    ...(input.settings === undefined ? {} : { settings: input.settings }),
  });
  switch (input.type) {
    case 'ebs-volume':
      return snapshot(input.type, input.volumeId, input.region);
    case 'ec2-instance':
      return snapshot(input.type, input.instanceId, input.region);
    case 'rds-instance':
      return snapshot(input.type, input.dbInstanceIdentifier, input.region);
    case 'rds-cluster':
      return snapshot(input.type, input.dbClusterIdentifier, input.region);
    default:
      return { tenantId, ...input };
  }
}

export const handler = tenantApiHandler(async (event) => {
  const deps = runtime();
  const { principal, tenantId } = await caller(event);
  switch (routeKey(event)) {
    case 'POST /v1/sources': {
      requireRole(principal, 'admin');
      const body = parseJsonBody(event.body, event.isBase64Encoded);
      const input = parseInput(createSourceSchemaFor(body), body, 'body');
      const source = await registerSource(deps, registration(tenantId, input, deps.env.AWS_REGION));
      return json(201, source, { location: `/v1/sources/${source.id}` });
    }
    case 'GET /v1/sources': {
      const page = parseInput(pageQuerySchema, query(event), 'query');
      return json(200, await listSources(deps.catalog, tenantId, page));
    }
    case 'GET /v1/sources/{id}':
      return json(200, toSourceView(await getSource(deps.catalog, tenantId, pathId(event, 'source'))));
    case 'PATCH /v1/sources/{id}': {
      requireRole(principal, 'admin');
      const input = parseInput(updateSourceSchema, parseJsonBody(event.body, event.isBase64Encoded), 'body');
      return json(200, await updateSource(deps, { tenantId, sourceId: pathId(event, 'source'), ...input }));
    }
    case 'DELETE /v1/sources/{id}':
      requireRole(principal, 'admin');
      await deleteSource(deps, tenantId, pathId(event, 'source'));
      return { statusCode: 204, headers: { 'cache-control': 'no-store' }, body: '' };
    default:
      return unknownRoute(event);
  }
});
