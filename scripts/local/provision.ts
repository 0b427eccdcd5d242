import {
  CreateTableCommand,
  type CreateTableCommandInput,
  UpdateContinuousBackupsCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  EnableKeyRotationCommand,
  ListAliasesCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  GetObjectLockConfigurationCommand,
  type ObjectLockConfiguration,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectLockConfigurationCommand,
  PutPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import type { AwsClients } from '../../lambdas/adapters/aws/clients';
import { LOCAL_ACCOUNT, type TemplateResolver } from './template';

/**
 * Creates a stack's stateful resources on the emulator from the synthesized template, the way CloudFormation would:
 * KMS keys, S3 buckets (versioning, SSE-KMS, public access block, lifecycle, Object Lock, policy) and DynamoDB tables
 * (keys, GSIs, TTL, PITR). What the emulator cannot enforce is still applied, so the resources read back as defined.
 */
type Props = Record<string, unknown>;

export function physicalName(stackName: string, logicalId: string, max: number): string {
  return `${stackName}-${logicalId}`
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '')
    .slice(0, max);
}

/** Keys are found again through their alias (`alias/…` in the template), so a restart reuses them and their data. */
async function provisionKey(
  clients: AwsClients,
  resolver: TemplateResolver,
  logicalId: string,
  props: Props,
  alias?: string,
) {
  const aliases = alias ? ((await clients.kms.send(new ListAliasesCommand({}))).Aliases ?? []) : [];
  const existing = aliases.find((entry) => entry.AliasName === alias)?.TargetKeyId;
  const metadata = existing
    ? (await clients.kms.send(new DescribeKeyCommand({ KeyId: existing }))).KeyMetadata
    : (await clients.kms.send(new CreateKeyCommand({ Description: String(props.Description ?? logicalId) })))
        .KeyMetadata;
  const keyId = metadata?.KeyId as string;
  if (props.EnableKeyRotation) await clients.kms.send(new EnableKeyRotationCommand({ KeyId: keyId }));
  resolver.set(logicalId, { ref: keyId, attributes: { Arn: metadata?.Arn as string, KeyId: keyId } });
}

function alreadyThere(error: unknown, ...names: string[]): boolean {
  return names.includes((error as Error).name);
}

function lifecycleRules(config: Props | undefined) {
  const rules = (config?.Rules ?? []) as Props[];
  return rules.map((rule) => ({
    ID: rule.Id as string | undefined,
    Status: rule.Status as 'Enabled' | 'Disabled',
    Filter: { Prefix: (rule.Prefix as string | undefined) ?? '' },
    ...(rule.AbortIncompleteMultipartUpload
      ? { AbortIncompleteMultipartUpload: rule.AbortIncompleteMultipartUpload as { DaysAfterInitiation: number } }
      : {}),
    ...(rule.NoncurrentVersionExpiration
      ? {
          NoncurrentVersionExpiration: {
            NoncurrentDays: (rule.NoncurrentVersionExpiration as Props).NoncurrentDays as number,
          },
        }
      : rule.NoncurrentVersionExpirationInDays
        ? { NoncurrentVersionExpiration: { NoncurrentDays: rule.NoncurrentVersionExpirationInDays as number } }
        : {}),
    ...(rule.ExpirationInDays ? { Expiration: { Days: rule.ExpirationInDays as number } } : {}),
    ...(rule.ExpiredObjectDeleteMarker ? { Expiration: { ExpiredObjectDeleteMarker: true } } : {}),
  }));
}

async function provisionBucket(
  clients: AwsClients,
  resolver: TemplateResolver,
  logicalId: string,
  raw: Props,
  stackName: string,
) {
  const name = typeof raw.BucketName === 'string' ? raw.BucketName : physicalName(stackName, logicalId, 63);
  try {
    await clients.s3.send(
      new CreateBucketCommand({ Bucket: name, ObjectLockEnabledForBucket: raw.ObjectLockEnabled === true }),
    );
  } catch (error) {
    if (!alreadyThere(error, 'BucketAlreadyOwnedByYou', 'BucketAlreadyExists')) throw error;
  }
  resolver.set(logicalId, {
    ref: name,
    attributes: {
      Arn: `arn:aws:s3:::${name}`,
      DomainName: `${name}.s3.amazonaws.com`,
      RegionalDomainName: `${name}.s3.amazonaws.com`,
    },
  });
}

async function configureBucket(clients: AwsClients, resolver: TemplateResolver, logicalId: string, raw: Props) {
  const props = resolver.resolve(raw) as Props;
  const Bucket = resolver.resource(logicalId).ref;
  const versioning = props.VersioningConfiguration as { Status?: string } | undefined;
  if (versioning?.Status) {
    await clients.s3.send(
      new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: versioning.Status as 'Enabled' } }),
    );
  }
  const encryption = props.BucketEncryption as { ServerSideEncryptionConfiguration?: Props[] } | undefined;
  if (encryption?.ServerSideEncryptionConfiguration) {
    // CloudFormation says ServerSideEncryptionByDefault where the S3 API says ApplyServerSideEncryptionByDefault.
    const Rules = encryption.ServerSideEncryptionConfiguration.map((rule) => ({
      ApplyServerSideEncryptionByDefault: rule.ServerSideEncryptionByDefault as never,
      ...(rule.BucketKeyEnabled === undefined ? {} : { BucketKeyEnabled: rule.BucketKeyEnabled === true }),
    }));
    await clients.s3.send(new PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: { Rules } }));
  }
  if (props.PublicAccessBlockConfiguration) {
    await clients.s3.send(
      new PutPublicAccessBlockCommand({
        Bucket,
        PublicAccessBlockConfiguration: props.PublicAccessBlockConfiguration as never,
      }),
    );
  }
  const rules = lifecycleRules(props.LifecycleConfiguration as Props | undefined);
  if (rules.length > 0) {
    await clients.s3.send(
      new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules: rules as never } }),
    );
  }
  const lock = props.ObjectLockConfiguration as ObjectLockConfiguration | undefined;
  if (raw.ObjectLockEnabled === true || lock?.Rule) await ensureObjectLock(clients, Bucket, lock?.Rule);
}

/** Default retention as comparable text (CloudFormation leaves out Days or Years; S3 may answer 0). */
function retentionText(rule: ObjectLockConfiguration['Rule']): string {
  const retention = rule?.DefaultRetention;
  return retention ? `${retention.Mode}/${retention.Days ?? 0}d/${retention.Years ?? 0}y` : 'none';
}

/**
 * Object Lock on (legal holds), with the template's default retention if it has one. A new bucket was created with
 * Object Lock already; a bucket left from an earlier run of a long-lived emulator may lack it or have another rule. S3
 * can turn Object Lock on for an existing versioned bucket; moto 5.2.1's PutObjectLockConfiguration only works on an
 * empty one (though in us-east-1 its idempotent CreateBucket with ObjectLockEnabledForBucket already turned it on).
 */
async function ensureObjectLock(clients: AwsClients, Bucket: string, rule: ObjectLockConfiguration['Rule']) {
  let current: ObjectLockConfiguration | undefined;
  try {
    current = (await clients.s3.send(new GetObjectLockConfigurationCommand({ Bucket }))).ObjectLockConfiguration;
  } catch (error) {
    if (!alreadyThere(error, 'ObjectLockConfigurationNotFoundError')) throw error;
  }
  if (
    current?.ObjectLockEnabled === 'Enabled' &&
    (rule === undefined || retentionText(current.Rule) === retentionText(rule))
  ) {
    return;
  }
  try {
    await clients.s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket,
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', ...(rule === undefined ? {} : { Rule: rule }) },
      }),
    );
  } catch (error) {
    throw new Error(
      `the bucket ${Bucket} exists without the template's Object Lock configuration and the emulator refused to ` +
        `change it (${(error as Error).name}: ${(error as Error).message}); moto only does so for an empty bucket: ` +
        'reset the emulator (POST /moto-api/reset, or restart the test bed)',
      { cause: error },
    );
  }
}

async function provisionTable(
  clients: AwsClients,
  resolver: TemplateResolver,
  logicalId: string,
  raw: Props,
  stackName: string,
) {
  const props = resolver.resolve(raw) as Props;
  const TableName = typeof props.TableName === 'string' ? props.TableName : physicalName(stackName, logicalId, 255);
  const gsis = (props.GlobalSecondaryIndexes ?? []) as Props[];
  const input: CreateTableCommandInput = {
    TableName,
    AttributeDefinitions: props.AttributeDefinitions as never,
    KeySchema: props.KeySchema as never,
    BillingMode: (props.BillingMode as 'PAY_PER_REQUEST' | undefined) ?? 'PAY_PER_REQUEST',
    ...(gsis.length > 0
      ? {
          GlobalSecondaryIndexes: gsis.map((gsi) => ({
            IndexName: gsi.IndexName,
            KeySchema: gsi.KeySchema,
            Projection: gsi.Projection,
          })) as never,
        }
      : {}),
  };
  try {
    await clients.dynamodb.send(new CreateTableCommand(input));
  } catch (error) {
    if (!alreadyThere(error, 'ResourceInUseException')) throw error;
  }
  const ttl = props.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
  if (ttl?.Enabled && ttl.AttributeName) {
    await clients.dynamodb.send(
      new UpdateTimeToLiveCommand({
        TableName,
        TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
      }),
    );
  }
  const replicas = (props.Replicas ?? []) as Props[];
  const pitr = (props.PointInTimeRecoverySpecification ?? replicas[0]?.PointInTimeRecoverySpecification) as
    | { PointInTimeRecoveryEnabled?: boolean }
    | undefined;
  if (pitr?.PointInTimeRecoveryEnabled) {
    await clients.dynamodb.send(
      new UpdateContinuousBackupsCommand({
        TableName,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    );
  }
  resolver.set(logicalId, {
    ref: TableName,
    attributes: { Arn: `arn:aws:dynamodb:${resolver.region}:${LOCAL_ACCOUNT}:table/${TableName}` },
  });
}

interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: readonly { readonly Condition?: unknown }[];
}

/**
 * moto enforces bucket policies, and the emulator is plain HTTP on loopback: a TLS-only statement (Deny when
 * aws:SecureTransport is false, or s3:TlsVersion is below 1.2) would refuse every local request. Those statements,
 * and only those, are left out locally; the infra tests assert that the deployed policy has them.
 */
export function withoutTransportStatements(policy: PolicyDocument): PolicyDocument {
  const transport = /aws:SecureTransport|s3:TlsVersion/;
  return {
    ...policy,
    Statement: policy.Statement.filter((statement) => !transport.test(JSON.stringify(statement.Condition ?? {}))),
  };
}

async function step(what: string, work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (error) {
    throw new Error(`provisioning ${what} failed: ${(error as Error).name}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Provisions what local mode needs from a stack; other resource types resolve to placeholders. */
export async function provisionStack(
  clients: AwsClients,
  resolver: TemplateResolver,
  stackName: string,
): Promise<void> {
  const aliases = resolver.resourcesOfType('AWS::KMS::Alias').map(([, resource]) => resource.Properties ?? {});
  for (const [logicalId, resource] of resolver.resourcesOfType('AWS::KMS::Key')) {
    const alias = aliases.find((props) => JSON.stringify(props.TargetKeyId).includes(`"${logicalId}"`))?.AliasName;
    await step(`key ${logicalId}`, () =>
      provisionKey(
        clients,
        resolver,
        logicalId,
        resource.Properties ?? {},
        typeof alias === 'string' ? alias : undefined,
      ),
    );
  }
  for (const props of aliases) {
    const { AliasName, TargetKeyId } = resolver.resolve(props) as { AliasName: string; TargetKeyId: string };
    await step(`alias ${AliasName}`, async () => {
      try {
        await clients.kms.send(new CreateAliasCommand({ AliasName, TargetKeyId }));
      } catch (error) {
        if (!alreadyThere(error, 'AlreadyExistsException')) throw error;
        await clients.kms.send(new UpdateAliasCommand({ AliasName, TargetKeyId }));
      }
    });
  }
  const buckets = resolver.resourcesOfType('AWS::S3::Bucket');
  for (const [logicalId, resource] of buckets) {
    await step(`bucket ${logicalId}`, () =>
      provisionBucket(clients, resolver, logicalId, resource.Properties ?? {}, stackName),
    );
  }
  for (const [logicalId, resource] of buckets) {
    await step(`bucket ${logicalId}`, () => configureBucket(clients, resolver, logicalId, resource.Properties ?? {}));
  }
  for (const [, resource] of resolver.resourcesOfType('AWS::S3::BucketPolicy')) {
    const props = resolver.resolve(resource.Properties ?? {}) as Props;
    const policy = withoutTransportStatements(props.PolicyDocument as PolicyDocument);
    if (policy.Statement.length === 0) continue;
    await step(`policy of ${String(props.Bucket)}`, () =>
      clients.s3.send(new PutBucketPolicyCommand({ Bucket: String(props.Bucket), Policy: JSON.stringify(policy) })),
    );
  }
  for (const type of ['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable']) {
    for (const [logicalId, resource] of resolver.resourcesOfType(type)) {
      await step(`table ${logicalId}`, () =>
        provisionTable(clients, resolver, logicalId, resource.Properties ?? {}, stackName),
      );
    }
  }
}
