import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Backup, BackupStatus } from '../../domain/backup';
import { NotFoundError, StaleStateError } from '../../domain/errors';
import { type IdKind, isId } from '../../domain/ids';
import type { Restore, RestoreStatus } from '../../domain/restore';
import type { PruneRun } from '../../domain/retention/prune-run';
import type { Source } from '../../domain/source';
import type {
  BackupQuery,
  BackupRepository,
  Catalog,
  Page,
  PageRequest,
  PruneRunRepository,
  RestoreRepository,
  SourceRepository,
  TenantRegistry,
} from '../../ports/catalog';
import {
  decodeCursor,
  encodeCursor,
  fromItem,
  GSI1,
  isAscending,
  itemSk,
  keyOf,
  type Listing,
  requireId,
  requireLimit,
  skPrefix,
  sourceGsi1Pk,
  TENANTS_PK,
  tenantPk,
  tenantRegistrySk,
  toItem,
} from './dynamodb-catalog-keys';

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

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    const table = new CatalogTable(client, tableName);
    this.sources = new DynamoDbSources(table);
    this.backups = new DynamoDbBackups(table);
    this.restores = new DynamoDbRestores(table);
    this.tenants = new DynamoDbTenants(table);
    this.pruneRuns = new DynamoDbPruneRuns(table);
  }
}

function isConditionFailure(error: unknown): boolean {
  return (error as { name?: unknown }).name === 'ConditionalCheckFailedException';
}

type Expectation = BackupStatus | RestoreStatus | 'absent';

class CatalogTable {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Writes the whole item if the stored one is absent / has the expected status; else StaleStateError. */
  async put(kind: IdKind, id: string, item: Record<string, unknown>, expect: Expectation): Promise<void> {
    const condition: Pick<
      PutCommandInput,
      'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    > =
      expect === 'absent'
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            // A missing item has no status, so this also refuses to "update" something that was never created.
            ConditionExpression: '#status = :expected',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':expected': expect },
          };
    try {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: item, ...condition }));
    } catch (error) {
      if (isConditionFailure(error)) {
        const message =
          expect === 'absent'
            ? `${kind} ${id} already exists`
            : `${kind} ${id} is not ${expect} (changed meanwhile, or missing)`;
        throw new StaleStateError(message, { cause: error });
      }
      throw error;
    }
  }

  /** Writes the whole item only if it exists already (a replacement); false when it does not. */
  async replace(item: Record<string, unknown>): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_exists(pk)' }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Writes the item only if none exists under its key; false (nothing written) when one does. */
  async putIfAbsent(item: Record<string, unknown>): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Writes the whole item whatever is stored. */
  async overwrite(item: Record<string, unknown>): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: item }));
  }

  async get<T>(tenantId: string, kind: IdKind, id: string): Promise<T | undefined> {
    const pk = tenantPk(tenantId);
    // A malformed id cannot have been stored; not asking also keeps absurd ids out of DynamoDB key limits.
    if (!isId(kind, id)) return undefined;
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk, sk: itemSk(kind, id) }, ConsistentRead: true }),
    );
    return out.Item === undefined ? undefined : fromItem<T>(out.Item);
  }

  async delete(tenantId: string, kind: IdKind, id: string): Promise<void> {
    const pk = tenantPk(tenantId);
    if (!isId(kind, id)) return;
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk, sk: itemSk(kind, id) } }));
  }

  /**
   * Newest first (ids are ULIDs, so key order is creation order); the tenant registry in ascending order. A next
   * cursor is given only if more remain.
   */
  async list<T>(listing: Listing, page: PageRequest): Promise<Page<T>> {
    const limit = requireLimit(page.limit);
    const start = page.cursor === undefined ? undefined : decodeCursor(listing, page.cursor);
    const onIndex = listing.gsi1pk !== undefined;
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        ...(onIndex ? { IndexName: GSI1 } : { ConsistentRead: true }),
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: onIndex ? { '#pk': 'gsi1pk', '#sk': 'gsi1sk' } : { '#pk': 'pk', '#sk': 'sk' },
        ExpressionAttributeValues: { ':pk': listing.gsi1pk ?? listing.pk, ':prefix': skPrefix(listing.kind) },
        ScanIndexForward: isAscending(listing),
        // One item more than asked tells whether another page exists, so the last page carries no cursor.
        Limit: limit + 1,
        ...(start === undefined ? {} : { ExclusiveStartKey: start }),
      }),
    );
    const items = out.Items ?? [];
    const pageItems = items.slice(0, limit);
    const last = pageItems.at(-1);
    const more = items.length > limit || out.LastEvaluatedKey !== undefined;
    const nextKey = !more ? undefined : last !== undefined ? keyOf(listing, last) : out.LastEvaluatedKey;
    return {
      items: pageItems.map((item) => fromItem<T>(item)),
      ...(nextKey === undefined ? {} : { nextCursor: encodeCursor(nextKey as Record<string, string>) }),
    };
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
    const listed = await this.table.list<{ tenantId: string }>({ kind: 'tenant', pk: TENANTS_PK }, page);
    return { ...listed, items: listed.items.map((entry) => entry.tenantId) };
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
