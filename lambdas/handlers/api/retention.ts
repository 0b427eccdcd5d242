import { acknowledgeBrake } from '../../app/retention/acknowledge-brake';
import { placeHold, releaseHold } from '../../app/retention/legal-hold';
import { previewPolicyChange, previewRetention, simulateRetention } from '../../app/retention/preview';
import { getPruneRun, listPruneRuns } from '../../app/retention/prune-runs';
import { retentionBrake } from '../../shared/env';
import { json } from '../../shared/http';
import { pathId, query, requireRole, routeKey, unknownRoute } from '../../shared/requests';
import {
  acknowledgeSchema,
  holdSchema,
  previewChangeSchema,
  previewQuerySchema,
  simulateSchema,
} from '../../shared/retention-schemas';
import { pageQuerySchema } from '../../shared/schemas';
import { parseInput, parseJsonBody } from '../../shared/validation';
import { backupView } from '../../shared/views';
import { caller } from '../caller';
import { tenantApiHandler } from '../tenant-api-handler';
import { runtime } from '../wiring';

/**
 * Retention for tenants: preview (the plan of a source's policy, or the what-if of a new one), simulate (any policy over
 * any history), prune runs, the brake acknowledgement (admin), and legal holds on backups (admin). Nothing here deletes.
 */
export const handler = tenantApiHandler(async (event) => {
  const deps = runtime();
  const { principal, tenantId } = await caller(event);
  requireRole(principal, 'member');
  const previewDeps = { catalog: deps.catalog, clock: deps.clock, brake: retentionBrake(deps.env) };
  const body = () => parseJsonBody(event.body, event.isBase64Encoded);
  switch (routeKey(event)) {
    case 'GET /v1/retention/preview': {
      const input = parseInput(previewQuerySchema, query(event), 'query');
      return json(200, await previewRetention(previewDeps, { tenantId, sourceId: input.sourceId }));
    }
    case 'POST /v1/retention/preview': {
      const input = parseInput(previewChangeSchema, body(), 'body');
      return json(200, await previewPolicyChange(previewDeps, { tenantId, ...input }));
    }
    case 'POST /v1/retention/simulate': {
      const input = parseInput(simulateSchema, body(), 'body');
      const now = input.now ?? deps.clock.now().toISOString();
      return json(200, { now, ...simulateRetention({ ...input, now }) });
    }
    case 'GET /v1/retention/runs': {
      const page = await listPruneRuns(deps.catalog, tenantId, parseInput(pageQuerySchema, query(event), 'query'));
      return json(200, { items: page.items, nextCursor: page.nextCursor ?? null });
    }
    case 'GET /v1/retention/runs/{id}':
      return json(200, await getPruneRun(deps.catalog, tenantId, pathId(event, 'pruneRun')));
    case 'POST /v1/retention/acknowledge': {
      requireRole(principal, 'admin');
      const input = parseInput(acknowledgeSchema, body(), 'body');
      return json(200, await acknowledgeBrake(deps, { tenantId, ...input, by: principal.subject }));
    }
    case 'POST /v1/backups/{id}/hold': {
      requireRole(principal, 'admin');
      const input = parseInput(holdSchema, event.body ? body() : {}, 'body');
      const backup = await placeHold(deps, {
        tenantId,
        backupId: pathId(event, 'backup'),
        by: principal.subject,
        reason: input.reason,
      });
      return json(200, backupView(backup));
    }
    case 'DELETE /v1/backups/{id}/hold': {
      requireRole(principal, 'admin');
      const backup = await releaseHold(deps, { tenantId, backupId: pathId(event, 'backup'), by: principal.subject });
      return json(200, backupView(backup));
    }
    default:
      return unknownRoute(event);
  }
});
