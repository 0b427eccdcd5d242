import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { BackupStatus } from '../../domain/backup';
import { StaleStateError } from '../../domain/errors';
import type { IdKind } from '../../domain/ids';
import type { RestoreStatus } from '../../domain/restore';
import type { Page, PageRequest } from '../../ports/catalog';
import {
  decodeCursor,
  type EntityKind,
  encodeCursor,
  fromItem,
  GSI1,
  isAscending,
  isListedId,
  keyOf,
  type Listing,
  requireLimit,
  skPrefix,
  tenantPk,
} from './dynamodb-catalog-keys';

/** The catalog table's reads and writes, shared by the repositories (dynamodb-catalog*.ts). */
function isConditionFailure(error: unknown): boolean {
  return (error as { name?: unknown }).name === 'ConditionalCheckFailedException';
}

/** The stored status a conditional write expects, or a policy's revision, or 'absent'. */
type Expectation = BackupStatus | RestoreStatus | number | 'absent';

export class CatalogTable {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Writes the whole item if the stored one is absent / has the expected status (revision); else StaleStateError. */
  async put(kind: IdKind, id: string, item: Record<string, unknown>, expect: Expectation): Promise<void> {
    const condition: Pick<
      PutCommandInput,
      'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    > =
      expect === 'absent'
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            // A missing item has no status, so this also refuses to "update" something that was never created.
            ConditionExpression: '#field = :expected',
            ExpressionAttributeNames: { '#field': typeof expect === 'number' ? 'revision' : 'status' },
            ExpressionAttributeValues: { ':expected': expect },
          };
    try {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: item, ...condition }));
    } catch (error) {
      if (isConditionFailure(error)) {
        const message =
          expect === 'absent'
            ? `${kind} ${id} already exists`
            : typeof expect === 'number'
              ? `${kind} ${id} is not at revision ${expect} (changed meanwhile, or missing)`
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

  async get<T>(tenantId: string, kind: Exclude<EntityKind, 'tenant'>, id: string): Promise<T | undefined> {
    const pk = tenantPk(tenantId);
    // A malformed id cannot have been stored; not asking also keeps absurd ids out of DynamoDB key limits.
    if (!isListedId(kind, id)) return undefined;
    return this.getByKey<T>(pk, `${skPrefix(kind)}${id}`);
  }

  /** One item by its whole key (the tenant registry's entries, whose partition is not a tenant's). */
  async getByKey<T>(pk: string, sk: string): Promise<T | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk, sk }, ConsistentRead: true }),
    );
    return out.Item === undefined ? undefined : fromItem<T>(out.Item);
  }

  async delete(tenantId: string, kind: Exclude<EntityKind, 'tenant'>, id: string): Promise<void> {
    const pk = tenantPk(tenantId);
    if (!isListedId(kind, id)) return;
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk, sk: `${skPrefix(kind)}${id}` } }));
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
