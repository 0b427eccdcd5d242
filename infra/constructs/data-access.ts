import { ArnFormat, Aws, Fn, Stack } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { CATALOG_KEYS } from './catalog';
import { acknowledgeWildcardResources } from './nag';

/** Export names under which the data stack publishes its resources (infra/stacks/data-stack.ts). */
export interface DataExports {
  readonly vaultBucketName: string;
  readonly tableName: string;
  readonly dataKeyArn: string;
}

export interface DataAccessProps {
  readonly exports: DataExports;
  /** Secrets Manager name prefix of source credentials, e.g. `strongbox/`. */
  readonly secretPrefix: string;
}

/** The kinds of secrets Strongbox keeps per tenant: `<prefix><tenantId>/<kind>/<id>` (adapters/aws/secrets-manager.ts). */
export type SecretOwners = 'sources' | 'webhooks';

/** Backup objects live under this prefix only (lambdas/domain/vault-layout.ts). */
const VAULT_PREFIX = 'tenants/';

/**
 * The service stack's view of the stateful resources, and the least-privilege grants on them. Every grant is
 * scoped to what the runtime code does: catalog items and the one GSI, vault objects under tenants/, secrets
 * under the configured prefix, and the data key only when called through the service using it.
 */
export class DataAccess extends Construct {
  readonly vaultBucketName: string;
  readonly tableName: string;
  readonly dataKeyArn: string;
  readonly secretPrefix: string;
  private readonly vaultBucketArn: string;
  private readonly tableArn: string;

  constructor(scope: Construct, id: string, props: DataAccessProps) {
    super(scope, id);
    this.vaultBucketName = Fn.importValue(props.exports.vaultBucketName);
    this.tableName = Fn.importValue(props.exports.tableName);
    this.dataKeyArn = Fn.importValue(props.exports.dataKeyArn);
    this.secretPrefix = props.secretPrefix;
    this.vaultBucketArn = `arn:${Aws.PARTITION}:s3:::${this.vaultBucketName}`;
    this.tableArn = Stack.of(this).formatArn({ service: 'dynamodb', resource: 'table', resourceName: this.tableName });
  }

  grantCatalogReadWrite(grantee: IGrantable): void {
    this.allow(
      grantee,
      [
        'dynamodb:GetItem',
        'dynamodb:BatchGetItem',
        'dynamodb:Query',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:ConditionCheckItem',
      ],
      [this.tableArn, `${this.tableArn}/index/${CATALOG_KEYS.gsi1.indexName}`],
    );
    this.allowKey(grantee, 'dynamodb', ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey']);
  }

  /** Read backup objects and manifests (also what a pre-signed download URL is signed with). */
  grantVaultRead(grantee: IGrantable): void {
    const objects = this.vaultObjects();
    this.allow(grantee, ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectAttributes'], [objects]);
    // Without ListBucket a missing key answers 403 instead of 404.
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.vaultBucketArn],
        conditions: { StringLike: { 's3:prefix': `${VAULT_PREFIX}*` } },
      }),
    );
    this.allowKey(grantee, 's3', ['kms:Decrypt']);
    this.acknowledgeVault(grantee, objects);
  }

  /** Write backups: multipart uploads (and aborting them), manifests, removal of an incomplete object. */
  grantVaultWrite(grantee: IGrantable): void {
    this.grantVaultRead(grantee);
    const objects = this.vaultObjects();
    this.allow(grantee, ['s3:PutObject', 's3:AbortMultipartUpload', 's3:DeleteObject'], [objects]);
    this.allowKey(grantee, 's3', ['kms:Decrypt', 'kms:GenerateDataKey']);
  }

  /**
   * Read the Object Lock state of every version of a backup's objects: ListObjectVersions (under tenants/ only) and
   * HeadObject per version, whose lock headers S3 returns only with s3:GetObjectRetention and s3:GetObjectLegalHold.
   * No kms:Decrypt comes with it, so the SSE-KMS contents stay unreadable through these grants.
   */
  grantVaultLockRead(grantee: IGrantable): void {
    const objects = this.vaultObjects();
    this.allow(grantee, ['s3:GetObjectVersion', 's3:GetObjectRetention', 's3:GetObjectLegalHold'], [objects]);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:ListBucketVersions'],
        resources: [this.vaultBucketArn],
        conditions: { StringLike: { 's3:prefix': `${VAULT_PREFIX}*` } },
      }),
    );
    this.acknowledgeVault(grantee, objects);
  }

  /** Place and release legal holds on every version of a backup's objects (never retention, never a bypass). */
  grantVaultLegalHold(grantee: IGrantable): void {
    this.grantVaultLockRead(grantee);
    this.allow(grantee, ['s3:PutObjectLegalHold'], [this.vaultObjects()]);
  }

  /**
   * Delete every version of a pruned backup's objects. Object Lock still refuses a held or retained version: there is
   * no s3:BypassGovernanceRetention here, nor anywhere in the service (DESIGN.md §9 P7).
   */
  grantVaultPrune(grantee: IGrantable): void {
    this.grantVaultLockRead(grantee);
    this.allow(grantee, ['s3:DeleteObjectVersion'], [this.vaultObjects()]);
  }

  /** Read secrets; `owners` narrows the grant to one kind (`<prefix><tenant>/webhooks/…`). */
  grantSecretsRead(grantee: IGrantable, owners?: SecretOwners): void {
    const secrets = this.secrets(owners);
    this.allow(grantee, ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], [secrets]);
    this.allowKey(grantee, 'secretsmanager', ['kms:Decrypt']);
    this.acknowledgeSecrets(grantee, secrets);
  }

  /** Create, rotate and delete source credentials (or webhook secrets: `owners`); never read them back. */
  grantSecretsManage(grantee: IGrantable, owners?: SecretOwners): void {
    const secrets = this.secrets(owners);
    this.allow(
      grantee,
      [
        'secretsmanager:CreateSecret',
        'secretsmanager:PutSecretValue',
        'secretsmanager:UpdateSecret',
        'secretsmanager:DeleteSecret',
        'secretsmanager:DescribeSecret',
        'secretsmanager:TagResource',
      ],
      [secrets],
    );
    this.allowKey(grantee, 'secretsmanager', ['kms:Decrypt', 'kms:GenerateDataKey']);
    this.acknowledgeSecrets(grantee, secrets);
  }

  private vaultObjects(): string {
    return `${this.vaultBucketArn}/${VAULT_PREFIX}*`;
  }

  private secrets(owners?: SecretOwners): string {
    return Stack.of(this).formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: owners === undefined ? `${this.secretPrefix}*` : `${this.secretPrefix}*/${owners}/*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  private allow(grantee: IGrantable, actions: string[], resources: string[]): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions, resources }));
  }

  /** The data key is usable only through the service that encrypts with it (kms:ViaService). */
  private allowKey(grantee: IGrantable, service: 's3' | 'dynamodb' | 'secretsmanager', actions: string[]): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions,
        resources: [this.dataKeyArn],
        conditions: { StringEquals: { 'kms:ViaService': `${service}.${Aws.REGION}.amazonaws.com` } },
      }),
    );
  }

  private acknowledgeVault(grantee: IGrantable, objects: string): void {
    acknowledgeWildcardResources(
      scopeOf(grantee),
      [objects],
      'Backup object keys are created at run time (tenants/{tenantId}/sources/{sourceId}/{backupId}/…); the grant ' +
        'is limited to the tenants/ prefix of the vault and tenant isolation is enforced by the catalog keys.',
    );
  }

  private acknowledgeSecrets(grantee: IGrantable, secrets: string): void {
    acknowledgeWildcardResources(
      scopeOf(grantee),
      [secrets],
      `Source credentials and webhook secrets are created at run time, one per source or webhook; the grant is limited to the ` +
        `"${this.secretPrefix}" name prefix that only Strongbox writes to.`,
    );
  }
}

function scopeOf(grantee: IGrantable): Construct {
  if (grantee instanceof Construct) return grantee;
  throw new Error('grants go to constructs, so their suppressions can be attached next to them');
}
