import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Backup, BackupStatus } from '../../domain/backup';
import { NotFoundError } from '../../domain/errors';
import type { Restore, RestoreStatus } from '../../domain/restore';
import type { PruneRun } from '../../domain/retention/prune-run';
import type { Source } from '../../domain/source';
import type { TenantEntry } from '../../domain/tenant';
import type {
  AuditRepository,
  BackupQuery,
  BackupRepository,
  Catalog,
  DispatchRepository,
  Page,
  PageRequest,
  PolicyRepository,
  PruneRunRepository,
  RestoreRepository,
  RpoRepository,
  SourceRepository,
  TenantRegistry,
  WebhookDeliveryRepository,
  WebhookRepository,
} from '../../ports/catalog';
import { DynamoDbAudit } from './dynamodb-catalog-audit';
import {
  itemSk,
  requireId,
  sourceGsi1Pk,
  TENANTS_PK,
  tenantPk,
  tenantRegistrySk,
  toItem,
} from './dynamodb-catalog-keys';
import { DynamoDbDispatches, DynamoDbPolicies, DynamoDbRpo } from './dynamodb-catalog-policies';
import { CatalogTable } from './dynamodb-catalog-table';
import { DynamoDbWebhookDeliveries, DynamoDbWebhooks } from './dynamodb-catalog-webhooks';

/**
 * The catalog on one DynamoDB table (docs/architecture.md, "Catalog"). Reads are strongly consistent where
 * DynamoDB allows it (base table); listing backups of one source reads gsi1, which is eventually consistent.
 */
export class DynamoDbCatalog implements Catalog {
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

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    const table = new CatalogTable(client, tableName);
    this.sources = new DynamoDbSources(table);
    this.backups = new DynamoDbBackups(table);
    this.restores = new DynamoDbRestores(table);
    this.tenants = new DynamoDbTenants(table);
    this.pruneRuns = new DynamoDbPruneRuns(table);
    this.policies = new DynamoDbPolicies(table);
    this.dispatches = new DynamoDbDispatches(table);
    this.rpo = new DynamoDbRpo(table);
    this.webhooks = new DynamoDbWebhooks(table);
    this.webhookDeliveries = new DynamoDbWebhookDeliveries(table);
    this.audit = new DynamoDbAudit(table);
  }
}

class DynamoDbSources implements SourceRepository {
  constructor(private readonly table: CatalogTable) {}

  async create(source: Source): Promise<void> {
    requireId('source', source.id, 'id');
    const keys = { pk: tenantPk(source.tenantId), sk: itemSk('source', source.id) };
    await this.table.put('source', source.id, toItem('source', keys, source), 'absent');
  }

  async get(tenantId: string, id: string): Promise<Source | undefined> {
    return this.table.get<Source>(tenantId, 'source', id);
  }

  async list(tenantId: string, page: PageRequest): Promise<Page<Source>> {
    return this.table.list<Source>({ kind: 'source', pk: tenantPk(tenantId) }, page);
  }

  async update(source: Source): Promise<void> {
    requireId('source', source.id, 'id');
    const keys = { pk: tenantPk(source.tenantId), sk: itemSk('source', source.id) };
    if (!(await this.table.replace(toItem('source', keys, source)))) throw new NotFoundError('source', source.id);
  }

  /** Deletes the source item only: its backups stay listed and restorable until retention removes them. */
  async delete(tenantId: string, id: string): Promise<void> {
    return this.table.delete(tenantId, 'source', id);
  }
}

class DynamoDbBackups implements BackupRepository {
  constructor(private readonly table: CatalogTable) {}

  async save(backup: Backup, expect: BackupStatus | 'absent'): Promise<void> {
    requireId('backup', backup.id, 'id');
    requireId('source', backup.sourceId, 'sourceId');
    const sk = itemSk('backup', backup.id);
    const keys = {
      pk: tenantPk(backup.tenantId),
      sk,
      gsi1pk: sourceGsi1Pk(backup.tenantId, backup.sourceId),
      gsi1sk: sk,
    };
    await this.table.put('backup', backup.id, toItem('backup', keys, backup), expect);
  }

  async get(tenantId: string, id: string): Promise<Backup | undefined> {
    return this.table.get<Backup>(tenantId, 'backup', id);
  }

  async list(tenantId: string, query: BackupQuery): Promise<Page<Backup>> {
    const pk = tenantPk(tenantId);
    if (query.sourceId === undefined) return this.table.list<Backup>({ kind: 'backup', pk }, query);
    requireId('source', query.sourceId, 'sourceId');
    return this.table.list<Backup>({ kind: 'backup', pk, gsi1pk: sourceGsi1Pk(tenantId, query.sourceId) }, query);
  }
}

class DynamoDbRestores implements RestoreRepository {
  constructor(private readonly table: CatalogTable) {}

  async save(restore: Restore, expect: RestoreStatus | 'absent'): Promise<void> {
    requireId('restore', restore.id, 'id');
    const keys = { pk: tenantPk(restore.tenantId), sk: itemSk('restore', restore.id) };
    await this.table.put('restore', restore.id, toItem('restore', keys, restore), expect);
  }

  async get(tenantId: string, id: string): Promise<Restore | undefined> {
    return this.table.get<Restore>(tenantId, 'restore', id);
  }

  async list(tenantId: string, page: PageRequest): Promise<Page<Restore>> {
    return this.table.list<Restore>({ kind: 'restore', pk: tenantPk(tenantId) }, page);
  }
}

class DynamoDbTenants implements TenantRegistry {
  constructor(private readonly table: CatalogTable) {}

  /** Idempotent: the first registration's `registeredAt` stays (a conditional put; an existing entry wins). */
  async register(tenantId: string, at: string): Promise<void> {
    const keys = { pk: TENANTS_PK, sk: tenantRegistrySk(tenantId) };
    await this.table.putIfAbsent(toItem('tenant', keys, { tenantId, registeredAt: at }));
  }

  async list(page: PageRequest): Promise<Page<string>> {
    const listed = await this.entries(page);
    return { ...listed, items: listed.items.map((entry) => entry.tenantId) };
  }

  async entries(page: PageRequest): Promise<Page<TenantEntry>> {
    return this.table.list<TenantEntry>({ kind: 'tenant', pk: TENANTS_PK }, page);
  }

  async get(tenantId: string): Promise<TenantEntry | undefined> {
    return this.table.getByKey<TenantEntry>(TENANTS_PK, tenantRegistrySk(tenantId));
  }

  async put(entry: TenantEntry): Promise<void> {
    const keys = { pk: TENANTS_PK, sk: tenantRegistrySk(entry.tenantId) };
    await this.table.overwrite(toItem('tenant', keys, entry));
  }
}

class DynamoDbPruneRuns implements PruneRunRepository {
  constructor(private readonly table: CatalogTable) {}

  /** Unconditional: one step of one execution writes a run at a time (ports/catalog.ts). */
  async save(run: PruneRun): Promise<void> {
    requireId('pruneRun', run.id, 'id');
    const keys = { pk: tenantPk(run.tenantId), sk: itemSk('pruneRun', run.id) };
    await this.table.overwrite(toItem('pruneRun', keys, run));
  }

  async get(tenantId: string, id: string): Promise<PruneRun | undefined> {
    return this.table.get<PruneRun>(tenantId, 'pruneRun', id);
  }

  async list(tenantId: string, page: PageRequest): Promise<Page<PruneRun>> {
    return this.table.list<PruneRun>({ kind: 'pruneRun', pk: tenantPk(tenantId) }, page);
  }
}
