import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectLockRetention, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface VaultObjectLock {
  readonly mode: 'GOVERNANCE' | 'COMPLIANCE';
  readonly days: number;
}

export interface VaultProps {
  /** Customer-managed key for SSE-KMS (with an S3 bucket key, so KMS is called per object, not per part). */
  readonly encryptionKey: IKey;
  /** Versions that stopped being current are deleted after this long. */
  readonly noncurrentVersionExpiration: Duration;
  /**
   * Default WORM retention of every new object version. Object Lock itself is always enabled on the vault (legal
   * holds need it); this only adds a default retention. @default - no default retention
   */
  readonly objectLock?: VaultObjectLock;
  /** How long server access logs are kept. @default Duration.days(365) */
  readonly accessLogRetention?: Duration;
}

/**
 * The backup vault: tenants/{tenantId}/sources/{sourceId}/{backupId}/… (docs/architecture.md). Versioned,
 * SSE-KMS, TLS only, never public, incomplete multipart uploads aborted after a day, Object Lock always enabled (legal
 * holds) with an optional default retention, server access logs to a separate bucket (which has no Object Lock: S3
 * refuses a locked bucket as a log destination), both retained when the stack goes.
 */
export class Vault extends Construct {
  readonly bucket: Bucket;
  readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string, props: VaultProps) {
    super(scope, id);

    // Server access log delivery cannot write SSE-KMS objects, so the log bucket uses S3-managed keys.
    this.accessLogs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        { id: 'expire-access-logs', expiration: props.accessLogRetention ?? Duration.days(365) },
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const lock = props.objectLock;
    this.bucket = new Bucket(this, 'Bucket', {
      versioned: true,
      encryption: BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'vault/',
      lifecycleRules: [
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        {
          id: 'expire-noncurrent-versions',
          noncurrentVersionExpiration: props.noncurrentVersionExpiration,
          expiredObjectDeleteMarker: true,
        },
      ],
      // Object Lock is always on, so legal holds work in every stage; a default retention only when configured.
      objectLockEnabled: true,
      ...(lock === undefined
        ? {}
        : {
            objectLockDefaultRetention:
              lock.mode === 'COMPLIANCE'
                ? ObjectLockRetention.compliance(Duration.days(lock.days))
                : ObjectLockRetention.governance(Duration.days(lock.days)),
          }),
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
