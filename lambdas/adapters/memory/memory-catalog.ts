import type { AuditEntry } from '../../domain/audit';
import type { Backup, BackupStatus } from '../../domain/backup';
import type { Dispatch } from '../../domain/dispatch';
import { NotFoundError } from '../../domain/errors';
import type { Policy } from '../../domain/policy';
import type { Restore, RestoreStatus } from '../../domain/restore';
import type { PruneRun } from '../../domain/retention/prune-run';
import type { RpoStatus } from '../../domain/rpo';
import type { Source } from '../../domain/source';
import type { Webhook } from '../../domain/webhook';
import type { WebhookDelivery } from '../../domain/webhook-delivery';
import type {
  AuditRepository,
  BackupQuery,
  BackupRepository,
  Catalog,
  DispatchRepository,
  PolicyRepository,
  PruneRunRepository,
  RestoreRepository,
  RpoRepository,
  SourceRepository,
  TenantRegistry,
  WebhookDeliveryRepository,
  WebhookRepository,
} from '../../ports/catalog';
import { checked, requireId, Table, TenantIndex, withoutId } from './memory-table';

/**
 * The catalog in memory, for use-case unit tests. It keeps the DynamoDB catalog's contract
 * (test/support/catalog-contract*.ts): tenant-scoped keys, conditional saves, newest-first pages (the tenant registry:
 * ascending) with opaque cursors that only work for the listing that issued them, and records stored as copies (what
 * you save is what you get; attributes set to `undefined` are dropped, as DynamoDB drops them).
 */
export class MemoryCatalog implements Catalog {
  readonly sources: SourceRepository;
  readonly backups: BackupRepository;
  readonly restores: RestoreRepository;
  readonly tenants: TenantRegistry;
  readonly pruneRuns: PruneRunRepository;
  readonly policies: PolicyRepository;
  readonly dispatches: DispatchRepository;
  readonly rpo: RpoRepository;
  readonly webhooks: WebhookRepository;
  readonly webhookDeliveries: WebhookDeliveryRepository;
  readonly audit: AuditRepository;

  constructor() {
    const sources = new Table<Source>('source');
    const backups = new Table<Backup>('backup');
    const restores = new Table<Restore>('restore');
    const pruneRuns = new Table<PruneRun>('pruneRun');
    const policies = new Table<Policy>('policy');
    const dispatches = new Table<Dispatch>('dispatch');
    // Keyed by the source it is about, listed apart from the sources.
    const rpo = new Table<RpoStatus & { id: string }>('source', 'rpo');
    const webhooks = new Table<Webhook>('webhook');
    const deliveries = new Table<WebhookDelivery>('webhookDelivery');
    const tenants = new TenantIndex();
    const audit = new Table<AuditEntry>('audit');
    this.sources = {
      create: async (source) => sources.put(checked('source', source), 'absent'),
      get: async (tenantId, id) => sources.get(tenantId, id),
      list: async (tenantId, page) => sources.list(tenantId, page),
      update: async (source) => {
        if (!sources.replace(checked('source', source))) throw new NotFoundError('source', source.id);
      },
      // The source only: its backups stay, as in the DynamoDB catalog.
      delete: async (tenantId, id) => sources.delete(tenantId, id),
    };
    this.backups = {
      save: async (backup: Backup, expect: BackupStatus | 'absent') => {
        requireId('source', backup.sourceId, 'sourceId');
        backups.put(checked('backup', backup), expect);
      },
      get: async (tenantId, id) => backups.get(tenantId, id),
      list: async (tenantId, query: BackupQuery) => {
        const { sourceId } = query;
        if (sourceId !== undefined) requireId('source', sourceId, 'sourceId');
        return backups.list(
          tenantId,
          query,
          sourceId,
          (backup) => sourceId === undefined || backup.sourceId === sourceId,
        );
      },
    };
    this.restores = {
      save: async (restore: Restore, expect: RestoreStatus | 'absent') =>
        restores.put(checked('restore', restore), expect),
      get: async (tenantId, id) => restores.get(tenantId, id),
      list: async (tenantId, page) => restores.list(tenantId, page),
    };
    this.tenants = {
      register: async (tenantId, at) => tenants.register(tenantId, at),
      list: async (page) => {
        const listed = tenants.list(page);
        return { ...listed, items: listed.items.map((entry) => entry.tenantId) };
      },
      entries: async (page) => tenants.list(page),
      get: async (tenantId) => tenants.get(tenantId),
      put: async (entry) => tenants.put(entry),
    };
    this.pruneRuns = {
      save: async (run) => pruneRuns.overwrite(checked('pruneRun', run)),
      get: async (tenantId, id) => pruneRuns.get(tenantId, id),
      list: async (tenantId, page) => pruneRuns.list(tenantId, page),
    };
    this.policies = {
      put: async (policy, expect) => policies.put(checked('policy', policy), expect),
      get: async (tenantId, id) => policies.get(tenantId, id),
      list: async (tenantId, page) => policies.list(tenantId, page),
      delete: async (tenantId, id) => policies.delete(tenantId, id),
    };
    this.dispatches = {
      save: async (dispatch) => {
        requireId('policy', dispatch.policyId, 'policyId');
        dispatches.overwrite(checked('dispatch', dispatch));
      },
      get: async (tenantId, id) => dispatches.get(tenantId, id),
      list: async (tenantId, query) => {
        const { policyId } = query;
        if (policyId !== undefined) requireId('policy', policyId, 'policyId');
        return dispatches.list(tenantId, query, policyId, (d) => policyId === undefined || d.policyId === policyId);
      },
    };
    this.rpo = {
      put: async (status) => rpo.overwrite(checked('source', { ...status, id: status.sourceId })),
      get: async (tenantId, sourceId) => withoutId(rpo.get(tenantId, sourceId)),
      list: async (tenantId, page) => {
        const listed = rpo.list(tenantId, page);
        return { ...listed, items: listed.items.map((item) => withoutId(item) as RpoStatus) };
      },
      delete: async (tenantId, sourceId) => rpo.delete(tenantId, sourceId),
    };
    this.webhooks = {
      put: async (webhook, expect) => webhooks.put(checked('webhook', webhook), expect),
      get: async (tenantId, id) => webhooks.get(tenantId, id),
      list: async (tenantId, page) => webhooks.list(tenantId, page),
      delete: async (tenantId, id) => webhooks.delete(tenantId, id),
    };
    this.audit = {
      append: async (entry) => audit.put(checked('audit', entry), 'absent'),
      latest: async (tenantId) => audit.list(tenantId, { limit: 1 }).items[0],
      list: async (tenantId, page) => audit.list(tenantId, page),
    };
    this.webhookDeliveries = {
      save: async (delivery) => {
        requireId('webhook', delivery.webhookId, 'webhookId');
        deliveries.overwrite(checked('webhookDelivery', delivery));
      },
      get: async (tenantId, id) => deliveries.get(tenantId, id),
      list: async (tenantId, query) => {
        const { webhookId } = query;
        if (webhookId !== undefined) requireId('webhook', webhookId, 'webhookId');
        return deliveries.list(tenantId, query, webhookId, (d) => webhookId === undefined || d.webhookId === webhookId);
      },
    };
  }
}
