import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { runtime } from './wiring';

/**
 * Where Powertools idempotency keeps a tenant's records: the catalog table, in the tenant's own partition
 * (`TENANT#<id>#IDEMPOTENCY`, sort key the hashed idempotency key, expired by the table's TTL attribute), so no key
 * of one tenant can ever answer another. Used by the dispatcher (one record per scheduled time) and by the API's
 * Idempotency-Key.
 */
export function tenantIdempotencyStore(tenantId: string): DynamoDBPersistenceLayer {
  const deps = runtime();
  return new DynamoDBPersistenceLayer({
    tableName: deps.env.STRONGBOX_TABLE_NAME,
    keyAttr: 'pk',
    sortKeyAttr: 'sk',
    staticPkValue: `TENANT#${tenantId}#IDEMPOTENCY`,
    expiryAttr: 'expiresAt',
    awsSdkV3Client: deps.dynamodb,
  });
}
