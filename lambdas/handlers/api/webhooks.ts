import { deleteTenantWebhook, putTenantWebhook, requireWebhook, tenantWebhooks } from '../../app/webhooks/put-webhook';
import { ValidationError } from '../../domain/errors';
import { isWebhookId, webhookView } from '../../domain/webhook';
import { json } from '../../shared/http';
import { pathId, query, requireRole, routeKey, unknownRoute } from '../../shared/requests';
import { parseInput, parseJsonBody } from '../../shared/validation';
import { deliveriesQuerySchema, putWebhookSchema } from '../../shared/webhook-schemas';
import { caller } from '../caller';
import { tenantApiHandler } from '../tenant-api-handler';
import { runtime } from '../wiring';

/** The id a PUT names: the tenant chooses it, so a malformed one is a 400 naming it (elsewhere a 404). */
function webhookIdToPut(id: string | undefined): string {
  if (id !== undefined && isWebhookId(id)) return id;
  throw new ValidationError('webhook id is malformed', [
    {
      path: 'id',
      message:
        'must be 1–47 lowercase letters, digits or dashes, starting and ending with a letter or digit (not "deliveries")',
    },
  ]);
}

/**
 * Webhooks (docs/webhooks.md): tenant admins PUT/GET/DELETE them and read the delivery log; the signing secret goes
 * to Secrets Manager and never comes back. Members may not read them: a webhook URL can carry a token of its own.
 */
export const handler = tenantApiHandler(async (event) => {
  const deps = runtime();
  const { principal, tenantId } = await caller(event);
  requireRole(principal, 'admin');
  const webhookDeps = { ...deps, allowHttp: deps.env.STRONGBOX_ALLOW_LOOPBACK_SOURCES };
  switch (routeKey(event)) {
    case 'GET /v1/webhooks': {
      const items = (await tenantWebhooks(deps, tenantId)).map(webhookView);
      return json(200, { items, nextCursor: null });
    }
    case 'PUT /v1/webhooks/{id}': {
      const id = webhookIdToPut(event.pathParameters?.id);
      const input = parseInput(putWebhookSchema, parseJsonBody(event.body, event.isBase64Encoded), 'body');
      return json(200, await putTenantWebhook(webhookDeps, { tenantId, id, ...input }));
    }
    case 'GET /v1/webhooks/{id}':
      return json(200, webhookView(await requireWebhook(deps, tenantId, pathId(event, 'webhook'))));
    case 'DELETE /v1/webhooks/{id}': {
      await deleteTenantWebhook(deps, tenantId, pathId(event, 'webhook'));
      return { statusCode: 204, headers: { 'cache-control': 'no-store' }, body: '' };
    }
    case 'GET /v1/webhooks/deliveries': {
      const page = await deps.catalog.webhookDeliveries.list(
        tenantId,
        parseInput(deliveriesQuerySchema, query(event), 'query'),
      );
      return json(200, { items: page.items, nextCursor: page.nextCursor ?? null });
    }
    default:
      return unknownRoute(event);
  }
});
