import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** Key schema of the single catalog table (docs/architecture.md); every key value starts with `TENANT#<t>`. */
export const CATALOG_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  gsi1: { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  timeToLive: 'expiresAt',
} as const;

export interface CatalogProps {
  readonly encryptionKey: IKey;
}

/** The catalog: sources, backups, restores, idempotency records. On-demand, PITR, CMK, retained, undeletable. */
export class Catalog extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: CatalogProps) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: CATALOG_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: CATALOG_KEYS.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: CATALOG_KEYS.timeToLive,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: CATALOG_KEYS.gsi1.indexName,
      partitionKey: { name: CATALOG_KEYS.gsi1.partitionKey, type: AttributeType.STRING },
      sortKey: { name: CATALOG_KEYS.gsi1.sortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
  }
}
