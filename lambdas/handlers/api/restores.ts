import { decideRestore } from '../../app/restores/approval';
import { listRestores } from '../../app/restores/list-restores';
import { requestRestore } from '../../app/restores/request-restore';
import { getRestore } from '../../app/restores/restore-context';
import { requireRestoreSlot } from '../../app/tenants/running-limits';
import { tenantPlan } from '../../app/tenants/tenant-plans';
import { json } from '../../shared/http';
import { pathId, query, requireRole, routeKey, unknownRoute } from '../../shared/requests';
import { createRestoreSchema, decideRestoreSchema, pageQuerySchema } from '../../shared/schemas';
import { parseInput, parseJsonBody } from '../../shared/validation';
import { restoreView } from '../../shared/views';
import { caller } from '../caller';
import { withIdempotencyKey } from '../idempotency-key';
import { tenantApiHandler } from '../tenant-api-handler';
import { runtime } from '../wiring';

export const handler = tenantApiHandler(async (event) => {
  const deps = runtime();
  const { principal, tenantId } = await caller(event);
  requireRole(principal, 'member');
  switch (routeKey(event)) {
    case 'POST /v1/restores': {
      const input = parseInput(createRestoreSchema, parseJsonBody(event.body, event.isBase64Encoded), 'body');
      return withIdempotencyKey(event, tenantId, input, async () => {
        await requireRestoreSlot(deps, {
          tenantId,
          plan: await tenantPlan(deps.catalog, tenantId, deps.env.STRONGBOX_TENANT_PLAN),
        });
        const restore = await requestRestore(deps, { tenantId, ...input, requestedBy: principal.subject });
        return json(202, restoreView(restore), { location: `/v1/restores/${restore.id}` });
      });
    }
    case 'GET /v1/restores': {
      const page = await listRestores(deps.catalog, tenantId, parseInput(pageQuerySchema, query(event), 'query'));
      return json(200, { items: page.items.map(restoreView), nextCursor: page.nextCursor ?? null });
    }
    case 'GET /v1/restores/{id}':
      return json(200, restoreView(await getRestore(deps.catalog, tenantId, pathId(event, 'restore'))));
    case 'POST /v1/restores/{id}/approve':
    case 'POST /v1/restores/{id}/reject': {
      // Tenant admins decide; the requester never approves their own restore (four eyes, checked in the domain).
      requireRole(principal, 'admin');
      const body = event.body ? parseJsonBody(event.body, event.isBase64Encoded) : {};
      const input = parseInput(decideRestoreSchema, body, 'body');
      const restore = await decideRestore(deps, {
        tenantId,
        restoreId: pathId(event, 'restore'),
        by: principal.subject,
        approve: event.resource.endsWith('/approve'),
        ...(input.comment ? { comment: input.comment } : {}),
      });
      return json(200, restoreView(restore));
    }
    default:
      return unknownRoute(event);
  }
});
