import { getBackup, listBackups } from '../../app/backups/backup-queries';
import { getDownloadLink } from '../../app/backups/download-link';
import { requireManualAllowance } from '../../app/backups/manual-allowance';
import { requireManualRoom } from '../../app/backups/manual-kept';
import { requestBackup } from '../../app/backups/request-backup';
import { requestVerify } from '../../app/backups/request-verify';
import { requireBackupSlot } from '../../app/tenants/running-limits';
import { tenantPlan } from '../../app/tenants/tenant-plans';
import { json } from '../../shared/http';
import { pathId, query, requireRole, routeKey, unknownRoute } from '../../shared/requests';
import { createBackupSchema, listBackupsQuerySchema } from '../../shared/schemas';
import { parseInput, parseJsonBody } from '../../shared/validation';
import { backupView } from '../../shared/views';
import { caller } from '../caller';
import { withIdempotencyKey } from '../idempotency-key';
import { tenantApiHandler } from '../tenant-api-handler';
import { runtime } from '../wiring';

export const handler = tenantApiHandler(async (event) => {
  const deps = runtime();
  const { principal, tenantId } = await caller(event);
  requireRole(principal, 'member');
  switch (routeKey(event)) {
    case 'POST /v1/backups': {
      const input = parseInput(createBackupSchema, parseJsonBody(event.body, event.isBase64Encoded), 'body');
      return withIdempotencyKey(event, tenantId, input, async () => {
        const plan = await tenantPlan(deps.catalog, tenantId, deps.env.STRONGBOX_TENANT_PLAN);
        await requireManualAllowance(deps, { tenantId, plan });
        await requireManualRoom(deps, { tenantId, sourceId: input.sourceId, plan });
        await requireBackupSlot(deps, { tenantId, plan });
        const backup = await requestBackup(deps, { tenantId, sourceId: input.sourceId, trigger: 'manual' });
        return json(202, backupView(backup), { location: `/v1/backups/${backup.id}` });
      });
    }
    case 'GET /v1/backups': {
      const input = parseInput(listBackupsQuerySchema, query(event), 'query');
      const page = await listBackups(deps.catalog, tenantId, input);
      return json(200, { items: page.items.map(backupView), nextCursor: page.nextCursor ?? null });
    }
    case 'GET /v1/backups/{id}':
      return json(200, backupView(await getBackup(deps.catalog, tenantId, pathId(event, 'backup'))));
    case 'GET /v1/backups/{id}/download': {
      const link = await getDownloadLink(
        { ...deps, ttlSeconds: deps.env.STRONGBOX_DOWNLOAD_URL_TTL_SECONDS },
        { tenantId, backupId: pathId(event, 'backup') },
      );
      return json(200, link);
    }
    case 'POST /v1/backups/{id}/verify': {
      const backup = await requestVerify(deps, { tenantId, backupId: pathId(event, 'backup') });
      return json(202, backupView(backup), { location: `/v1/backups/${backup.id}` });
    }
    default:
      return unknownRoute(event);
  }
});
