import { listAudit, verifyAudit } from '../../app/audit/audit-queries';
import { pendingApprovals } from '../../app/restores/pending-approvals';
import { assignTenantPlan, getTenant, listTenants } from '../../app/tenants/tenant-plans';
import { NotFoundError } from '../../domain/errors';
import { isTenantId } from '../../domain/ids';
import { principalFromEvent } from '../../shared/auth';
import { json } from '../../shared/http';
import { assignPlanSchema } from '../../shared/platform-schemas';
import { query, requireRole, routeKey, unknownRoute } from '../../shared/requests';
import { pageQuerySchema } from '../../shared/schemas';
import { parseInput, parseJsonBody } from '../../shared/validation';
import { restoreView } from '../../shared/views';
import { caller } from '../caller';
import { tenantApiHandler } from '../tenant-api-handler';
import { runtime } from '../wiring';

/** A tenant id from the path of an operator's route; a malformed one names nothing (404). */
function pathTenant(id: string | undefined): string {
  if (id === undefined || !isTenantId(id)) throw new NotFoundError('tenant', (id ?? '').slice(0, 64));
  return id;
}

/**
 * The platform's routes: operators see every tenant, assign plans and list the approvals waiting anywhere (they act on
 * one tenant's records through the tenant routes with the Strongbox-Tenant header); tenant admins (and operators
 * naming a tenant) read and verify the tenant's audit trail.
 */
export const handler = tenantApiHandler(async (event) => {
  const deps = runtime();
  const defaultPlan = deps.env.STRONGBOX_TENANT_PLAN;
  const route = routeKey(event);
  if (route === 'GET /v1/audit' || route === 'GET /v1/audit/verify') {
    const { principal, tenantId } = await caller(event);
    requireRole(principal, 'admin');
    if (route === 'GET /v1/audit/verify') return json(200, await verifyAudit(deps.catalog, tenantId));
    const page = await listAudit(deps.catalog, tenantId, parseInput(pageQuerySchema, query(event), 'query'));
    return json(200, { items: page.items, nextCursor: page.nextCursor ?? null });
  }
  const principal = principalFromEvent(event);
  requireRole(principal, 'operator');
  switch (route) {
    case 'GET /v1/tenants': {
      const page = await listTenants(deps.catalog, parseInput(pageQuerySchema, query(event), 'query'), defaultPlan);
      return json(200, { items: page.items, nextCursor: page.nextCursor ?? null });
    }
    case 'GET /v1/tenants/{id}':
      return json(200, await getTenant(deps.catalog, pathTenant(event.pathParameters?.id), defaultPlan));
    case 'PUT /v1/tenants/{id}': {
      const tenantId = pathTenant(event.pathParameters?.id);
      const input = parseInput(assignPlanSchema, parseJsonBody(event.body, event.isBase64Encoded), 'body');
      return json(
        200,
        await assignTenantPlan(deps, { tenantId, plan: input.plan, by: principal.subject, defaultPlan }),
      );
    }
    case 'GET /v1/approvals': {
      const pending = await pendingApprovals(deps);
      return json(200, { items: pending.map((restore) => ({ tenantId: restore.tenantId, ...restoreView(restore) })) });
    }
    default:
      return unknownRoute(event);
  }
});
