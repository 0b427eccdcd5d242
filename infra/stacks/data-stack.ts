import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config';
import { Catalog } from '../constructs/catalog';
import type { DataExports } from '../constructs/data-access';
import { Vault } from '../constructs/vault';

export interface DataStackProps extends StackProps {
  readonly config: StageConfig;
}

/**
 * The stateful stack: the data key, the vault and the catalog, all retained when the stack is deleted.
 * The service stack reaches them through explicitly named exports (see `exports`): names that never change
 * with the consumers, so redeploying the service never trips over an export still in use.
 */
export class DataStack extends Stack {
  readonly dataKey: Key;
  readonly vault: Vault;
  readonly catalog: Catalog;
  readonly exports: DataExports;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.dataKey = new Key(this, 'DataKey', {
      description: `Strongbox ${config.stage}: vault objects, catalog table and source secrets`,
      alias: `alias/strongbox/${config.stage}/data`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.vault = new Vault(this, 'Vault', {
      encryptionKey: this.dataKey,
      noncurrentVersionExpiration: Duration.days(config.vault.noncurrentVersionExpirationDays),
      ...(config.vault.objectLock === undefined ? {} : { objectLock: config.vault.objectLock }),
    });

    this.catalog = new Catalog(this, 'Catalog', { encryptionKey: this.dataKey });

    this.exports = {
      vaultBucketName: this.addExport('VaultBucketName', this.vault.bucket.bucketName),
      tableName: this.addExport('CatalogTableName', this.catalog.table.tableName),
      dataKeyArn: this.addExport('DataKeyArn', this.dataKey.keyArn),
    };
  }

  private addExport(id: string, value: string): string {
    const exportName = `${this.stackName}:${id}`;
    new CfnOutput(this, id, { value, exportName });
    return exportName;
  }
}
