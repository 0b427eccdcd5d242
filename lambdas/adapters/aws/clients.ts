import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The ONE place AWS SDK clients are built (DESIGN.md §3). Every handler gets its clients here, so the same code
 * runs on Lambda (no endpoint), on the embedded emulator (moto_server) and in tests: an endpoint override points
 * a service elsewhere, per service when needed (the local service fills moto's Lambda and Step Functions gaps).
 */
export type AwsService =
  | 's3'
  | 'dynamodb'
  | 'secretsmanager'
  | 'kms'
  | 'lambda'
  | 'sfn'
  | 'ec2'
  | 'rds'
  | 'scheduler'
  | 'events'
  | 'sqs';

export interface AwsSettings {
  readonly region: string;
  /** Endpoint for every service (e.g. the emulator); undefined on AWS. */
  readonly endpoint?: string;
  /** Per-service endpoints, taking precedence over `endpoint`. */
  readonly serviceEndpoints?: Partial<Record<AwsService, string>>;
  readonly maxAttempts?: number;
  /** Defaults: 5 s to connect, 60 s socket idle (never for S3, see below). */
  readonly timeouts?: { readonly connectionMs?: number; readonly idleMs?: number };
  /** Static credentials, for the emulator only. On AWS the default provider chain is used. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** Env names follow the SDK's own convention: AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>. */
const SERVICE_ENV: Record<AwsService, string> = {
  s3: 'AWS_ENDPOINT_URL_S3',
  dynamodb: 'AWS_ENDPOINT_URL_DYNAMODB',
  secretsmanager: 'AWS_ENDPOINT_URL_SECRETS_MANAGER',
  kms: 'AWS_ENDPOINT_URL_KMS',
  lambda: 'AWS_ENDPOINT_URL_LAMBDA',
  sfn: 'AWS_ENDPOINT_URL_SFN',
  ec2: 'AWS_ENDPOINT_URL_EC2',
  rds: 'AWS_ENDPOINT_URL_RDS',
  scheduler: 'AWS_ENDPOINT_URL_SCHEDULER',
  events: 'AWS_ENDPOINT_URL_EVENTBRIDGE',
  sqs: 'AWS_ENDPOINT_URL_SQS',
};

export function awsSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): AwsSettings {
  const serviceEndpoints: Partial<Record<AwsService, string>> = {};
  for (const [service, name] of Object.entries(SERVICE_ENV) as [AwsService, string][]) {
    const value = env[name];
    if (value) serviceEndpoints[service] = value;
  }
  const maxAttempts = env.AWS_MAX_ATTEMPTS ? Number(env.AWS_MAX_ATTEMPTS) : undefined;
  return {
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(env.AWS_ENDPOINT_URL ? { endpoint: env.AWS_ENDPOINT_URL } : {}),
    serviceEndpoints,
    ...(maxAttempts !== undefined && Number.isFinite(maxAttempts) ? { maxAttempts } : {}),
  };
}

function endpointFor(settings: AwsSettings, service: AwsService): string | undefined {
  return settings.serviceEndpoints?.[service] ?? settings.endpoint;
}

/**
 * Connections must open within 5 s everywhere. Small request/response services also get a 60 s socket-idle timeout,
 * so a hung call fails instead of running into the Lambda timeout. S3 does not: a download streamed into pg_restore
 * is paused by backpressure for as long as the database needs, and an idle timeout would cut it.
 */
const CONNECTION_TIMEOUT_MS = 5_000;
const IDLE_TIMEOUT_MS = 60_000;

function baseConfig(settings: AwsSettings, service: AwsService, region = settings.region) {
  const endpoint = endpointFor(settings, service);
  return {
    region,
    requestHandler: {
      connectionTimeout: settings.timeouts?.connectionMs ?? CONNECTION_TIMEOUT_MS,
      ...(service === 's3' ? {} : { socketTimeout: settings.timeouts?.idleMs ?? IDLE_TIMEOUT_MS }),
    },
    ...(endpoint ? { endpoint } : {}),
    ...(settings.maxAttempts === undefined ? {} : { maxAttempts: settings.maxAttempts }),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
  };
}

export interface AwsClients {
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBDocumentClient;
  readonly secretsManager: SecretsManagerClient;
  readonly kms: KMSClient;
  readonly lambda: LambdaClient;
  readonly sfn: SFNClient;
  readonly scheduler: SchedulerClient;
  readonly eventBridge: EventBridgeClient;
  readonly sqs: SQSClient;
  /** EC2 and RDS act in the region of the resource (sources anywhere, DR copies elsewhere): one client per region. */
  ec2(region?: string): EC2Client;
  rds(region?: string): RDSClient;
  /** KMS in a given region (tenants' keys for DR copies and restored volumes live in any region). */
  kmsIn(region?: string): KMSClient;
}

/** Clients are created on first use and reused for the life of the container. */
export function createAwsClients(settings: AwsSettings): AwsClients {
  const cache = new Map<string, unknown>();
  const lazy = <T>(key: string, build: () => T): T => {
    if (!cache.has(key)) cache.set(key, build());
    return cache.get(key) as T;
  };
  return {
    get s3() {
      return lazy('s3', () => {
        const config = baseConfig(settings, 's3');
        // The emulator serves buckets by path, not by virtual host.
        return new S3Client({ ...config, forcePathStyle: config.endpoint !== undefined });
      });
    },
    get dynamodb() {
      return lazy('dynamodb', () =>
        DynamoDBDocumentClient.from(new DynamoDBClient(baseConfig(settings, 'dynamodb')), {
          marshallOptions: { removeUndefinedValues: true },
        }),
      );
    },
    get secretsManager() {
      return lazy('secretsmanager', () => new SecretsManagerClient(baseConfig(settings, 'secretsmanager')));
    },
    get kms() {
      return lazy('kms', () => new KMSClient(baseConfig(settings, 'kms')));
    },
    get lambda() {
      return lazy('lambda', () => new LambdaClient(baseConfig(settings, 'lambda')));
    },
    get sfn() {
      return lazy('sfn', () => new SFNClient(baseConfig(settings, 'sfn')));
    },
    get scheduler() {
      return lazy('scheduler', () => new SchedulerClient(baseConfig(settings, 'scheduler')));
    },
    get eventBridge() {
      return lazy('events', () => new EventBridgeClient(baseConfig(settings, 'events')));
    },
    get sqs() {
      return lazy('sqs', () => new SQSClient(baseConfig(settings, 'sqs')));
    },
    ec2(region = settings.region) {
      return lazy(`ec2:${region}`, () => new EC2Client(baseConfig(settings, 'ec2', region)));
    },
    rds(region = settings.region) {
      return lazy(`rds:${region}`, () => new RDSClient(baseConfig(settings, 'rds', region)));
    },
    kmsIn(region = settings.region) {
      const key = region === settings.region ? 'kms' : `kms:${region}`;
      return lazy(key, () => new KMSClient(baseConfig(settings, 'kms', region)));
    },
  };
}
