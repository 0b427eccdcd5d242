import { getPolicy, listDispatches, listPolicies, policyNextRuns } from '../../app/policies/policy-queries';
import { deleteTenantPolicy, putTenantPolicy } from '../../app/policies/put-policy';
import { reconcileSchedules } from '../../app/policies/reconcile-schedules';
import { tenantPlan } from '../../app/tenants/tenant-plans';
import { ValidationError } from '../../domain/errors';
import { isPolicyId } from '../../domain/policy';
import { json } from '../../shared/http';
import { nextRunsQuerySchema, putPolicySchema } from '../../shared/policy-schemas';
import { pathId, query, requireRole, routeKey, unknownRoute } from '../../shared/requests';
import { pageQuerySchema } from '../../shared/schemas';
import { parseInput, parseJsonBody } from '../../shared/validation';
import { caller } from '../caller';
import { tenantApiHandler } from '../tenant-api-handler';
import { runtime } from '../wiring';

/** The id a PUT names: the tenant chooses it, so a malformed one is a 400 naming it (elsewhere a 404). */
function policyIdToPut(id: string | undefined): string {
  if (id !== undefined && isPolicyId(id)) return id;
  throw new ValidationError('policy id is malformed', [
    {
      path: 'id',
      message: 'must be 1–47 lowercase letters, digits or dashes, starting and ending with a letter or digit',
    },
  ]);
}

/**
 * Policies (when backups happen): PUT/GET/DELETE a policy, list them, its next runs and its dispatches; admins also
 * reconcile the tenant's Scheduler schedules with the catalog (drift repair). Members read; admins change.
 */
export const handler = tenantApiHandler(async (event) => {
  const deps = runtime();
  const { principal, tenantId } = await caller(event);
  requireRole(principal, 'member');
  const plan = await tenantPlan(deps.catalog, tenantId, deps.env.STRONGBOX_TENANT_PLAN);
  switch (routeKey(event)) {
    case 'GET /v1/policies': {
      const page = await listPolicies(deps.catalog, tenantId, parseInput(pageQuerySchema, query(event), 'query'));
      return json(200, { items: page.items, nextCursor: page.nextCursor ?? null });
    }
    case 'PUT /v1/policies/{id}': {
      requireRole(principal, 'admin');
      const id = policyIdToPut(event.pathParameters?.id);
      const input = parseInput(putPolicySchema, parseJsonBody(event.body, event.isBase64Encoded), 'body');
      const result = await putTenantPolicy({ ...deps, plan }, { tenantId, id, ...input });
      return json(200, { ...result.policy, reconciled: result.schedules });
    }
    case 'GET /v1/policies/{id}':
      return json(200, await getPolicy(deps.catalog, tenantId, pathId(event, 'policy')));
    case 'DELETE /v1/policies/{id}': {
      requireRole(principal, 'admin');
      await deleteTenantPolicy(deps, { tenantId, policyId: pathId(event, 'policy') });
      return { statusCode: 204, headers: { 'cache-control': 'no-store' }, body: '' };
    }
    case 'GET /v1/policies/{id}/next-runs': {
      const { count } = parseInput(nextRunsQuerySchema, query(event), 'query');
      return json(200, await policyNextRuns(deps, { tenantId, policyId: pathId(event, 'policy'), count }));
    }
    case 'GET /v1/policies/{id}/dispatches': {
      const page = parseInput(pageQuerySchema, query(event), 'query');
      const listed = await listDispatches(deps.catalog, tenantId, { ...page, policyId: pathId(event, 'policy') });
      return json(200, { items: listed.items, nextCursor: listed.nextCursor ?? null });
    }
    case 'GET /v1/rpo': {
      const page = await deps.catalog.rpo.list(tenantId, parseInput(pageQuerySchema, query(event), 'query'));
      return json(200, { items: page.items, nextCursor: page.nextCursor ?? null });
    }
    case 'POST /v1/schedules/reconcile': {
      requireRole(principal, 'admin');
      return json(200, await reconcileSchedules(deps, { tenantId }));
    }
    default:
      return unknownRoute(event);
  }
});
