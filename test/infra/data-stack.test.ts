import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { devConfig, resourcesOfType, synth } from './support';

describe('data stack', () => {
  it('creates one customer-managed data key with rotation, retained', () => {
    // Prepare
    const { data } = synth();

    // Act
    const keys = resourcesOfType(data, 'AWS::KMS::Key');

    // Assess
    expect(Object.values(keys)).toHaveLength(1);
    data.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('keeps the vault versioned, SSE-KMS with the data key and a bucket key, never public, retained', () => {
    // Prepare
    const { data } = synth();
    const [keyId] = Object.keys(resourcesOfType(data, 'AWS::KMS::Key'));

    // Act
    const vault = data.findResources('AWS::S3::Bucket', {
      Properties: { VersioningConfiguration: { Status: 'Enabled' } },
    });

    // Assess
    expect(Object.keys(vault)).toHaveLength(1);
    data.hasResource('AWS::S3::Bucket', {
      Properties: {
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            {
              BucketKeyEnabled: true,
              ServerSideEncryptionByDefault: {
                SSEAlgorithm: 'aws:kms',
                KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] },
              },
            },
          ],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'vault/' },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('denies every request to the vault that does not use TLS', () => {
    // Prepare
    const { data } = synth();
    const [vaultId] = Object.keys(
      data.findResources('AWS::S3::Bucket', { Properties: { VersioningConfiguration: { Status: 'Enabled' } } }),
    );

    // Act & Assess
    data.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: vaultId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('aborts incomplete multipart uploads after a day and expires noncurrent versions per config', () => {
    // Prepare
    const { data } = synth(devConfig({ vault: { noncurrentVersionExpirationDays: 45 } }));

    // Act & Assess
    data.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' }),
          Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 45 }, Status: 'Enabled' }),
        ]),
      },
    });
  });

  it('turns Object Lock on with the configured default retention', () => {
    // Prepare
    const config = devConfig({
      vault: { noncurrentVersionExpirationDays: 90, objectLock: { mode: 'COMPLIANCE', days: 35 } },
    });

    // Act
    const { data } = synth(config);

    // Assess
    data.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 35 } },
      },
    });
  });

  it('always enables Object Lock on the vault (legal holds), without a default retention when the config has none', () => {
    // Prepare
    const { data } = synth();
    const [vaultId] = Object.keys(
      data.findResources('AWS::S3::Bucket', { Properties: { VersioningConfiguration: { Status: 'Enabled' } } }),
    );

    // Act
    const buckets = resourcesOfType(data, 'AWS::S3::Bucket');

    // Assess
    expect(Object.keys(buckets)).toHaveLength(2);
    const vault = buckets[vaultId ?? ''];
    expect(vault?.Properties.ObjectLockEnabled).toBe(true);
    expect(vault?.Properties.ObjectLockConfiguration).toBeUndefined();
  });

  it('never puts Object Lock on the access log bucket (S3 refuses a locked bucket as a log destination)', () => {
    for (const config of [
      undefined,
      devConfig({ vault: { noncurrentVersionExpirationDays: 90, objectLock: { mode: 'GOVERNANCE', days: 7 } } }),
    ]) {
      // Prepare
      const { data } = synth(config);

      // Act
      const logBuckets = Object.values(
        data.findResources('AWS::S3::Bucket', { Properties: { LoggingConfiguration: Match.absent() } }),
      );

      // Assess
      expect(logBuckets).toHaveLength(1);
      expect(logBuckets[0]?.Properties.ObjectLockEnabled).toBeUndefined();
      expect(logBuckets[0]?.Properties.ObjectLockConfiguration).toBeUndefined();
    }
  });

  it('writes server access logs to a separate, encrypted, TLS-only, retained bucket', () => {
    // Prepare
    const { data } = synth();

    // Act
    const logBuckets = data.findResources('AWS::S3::Bucket', {
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
      },
    });

    // Assess
    const [logBucketId] = Object.keys(logBuckets);
    expect(Object.keys(logBuckets)).toHaveLength(1);
    data.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: { Ref: logBucketId } },
    });
    expect(logBuckets[logBucketId ?? '']?.DeletionPolicy).toBe('Retain');
    data.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logBucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'logging.s3.amazonaws.com' } }),
        ]),
      },
    });
  });

  it('defines the catalog table exactly as docs/architecture.md says', () => {
    // Prepare
    const { data } = synth();
    const [keyId] = Object.keys(resourcesOfType(data, 'AWS::KMS::Key'));

    // Act & Assess
    data.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayWith([
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'gsi1pk', AttributeType: 'S' },
          { AttributeName: 'gsi1sk', AttributeType: 'S' },
        ]),
        GlobalSecondaryIndexes: [
          {
            IndexName: 'gsi1',
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } },
        DeletionProtectionEnabled: true,
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('publishes the vault, table and key under export names that start with the stack name', () => {
    // Prepare
    const { data, dataStack } = synth();

    // Act
    const exportNames = Object.values(data.findOutputs('*')).map((output) => output.Export?.Name);

    // Assess
    expect(exportNames.sort()).toEqual([
      `${dataStack.stackName}:CatalogTableName`,
      `${dataStack.stackName}:DataKeyArn`,
      `${dataStack.stackName}:VaultBucketName`,
    ]);
    expect(dataStack.exports).toEqual({
      vaultBucketName: `${dataStack.stackName}:VaultBucketName`,
      tableName: `${dataStack.stackName}:CatalogTableName`,
      dataKeyArn: `${dataStack.stackName}:DataKeyArn`,
    });
  });
});
