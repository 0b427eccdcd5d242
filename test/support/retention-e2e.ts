import { createHash } from 'node:crypto';
import { DescribeSnapshotsCommand, type Snapshot } from '@aws-sdk/client-ec2';
import { HeadObjectCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'vitest';
import { TAGS } from '../../lambdas/domain/snapshot';
import { overrideRuntimeForTests, runtime } from '../../lambdas/handlers/wiring';
import type { RuntimeEnv } from '../../lambdas/shared/env';
import type { LocalService } from '../../scripts/local/service';
import { createTestVolume } from './cloud-fixtures';
import { type Api, apiAs, sourceBodyFor } from './local-service';
import { createPostgresDatabase, type TestDatabase, withPostgres } from './testbed';

/**
 * Shared steps of the retention tests (test/workflows/prune-machine*.test.ts, test/e2e/retention-api*.test.ts): sources
 * with a policy set through PATCH /v1/sources/{id}, backups taken through the API, the prune machine started the way an
 * operator starts it, and what happened read back from the API and from moto (S3 versions, EC2 snapshots, DynamoDB).
 */
export type Body = Record<string, unknown>;
export const REGION = 'us-east-1';

/** An API client for any tenant (the local issuer signs tokens for whoever the test names; admin unless told). */
export async function tenantApi(service: LocalService, tenantId: string, roles = ['admin']): Promise<Api> {
  const token = await service.issuer.issue({ subject: `admin@${tenantId}.local`, tenantId, roles });
  const name = `${tenantId}:${roles.join(',')}`;
  return apiAs({ ...service, tokens: { ...service.tokens, [name]: token } }, name);
}

/** A PostgreSQL database on the test bed with one small table (100 rows), for dump backups. */
export async function smallDatabase(prefix: string): Promise<TestDatabase> {
  const db = await createPostgresDatabase(prefix);
  await withPostgres(db.name, (client) =>
    client.query(
      'CREATE TABLE items (id int PRIMARY KEY, note text); ' +
        'INSERT INTO items SELECT g, md5(g::text) FROM generate_series(1, 100) AS g',
    ),
  );
  return db;
}

/** PATCH /v1/sources/{id} {settings: {retention}} as the source's admin; the answer must be 200. */
export async function setRetention(api: Api, sourceId: string, retention: Body | null): Promise<Body> {
  const patched = await api.patch(`/v1/sources/${sourceId}`, { settings: { retention } });
  expect(patched.status, JSON.stringify(patched.body)).toBe(200);
  return patched.body;
}

/** A PostgreSQL source for a test-bed database, with a retention policy when given. */
export async function databaseSource(api: Api, db: TestDatabase, retention?: Body): Promise<string> {
  const created = await api.post('/v1/sources', sourceBodyFor(db, `${db.name} ${Math.random()}`));
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = created.body.id as string;
  if (retention) await setRetention(api, id, retention);
  return id;
}

/** An EBS volume on moto tagged for `tenant`, registered as a source (DR regions and a policy when given). */
export async function volumeSource(
  service: LocalService,
  api: Api,
  tenant: string,
  options: { retention?: Body; copyRegions?: Body[] } = {},
): Promise<string> {
  const volume = await createTestVolume(service.clients, REGION, { tenant });
  const created = await api.post('/v1/sources', {
    name: `volume ${volume.volumeId}`,
    type: 'ebs-volume',
    volumeId: volume.volumeId,
    ...(options.copyRegions ? { settings: { copyRegions: options.copyRegions } } : {}),
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = created.body.id as string;
  if (options.retention) await setRetention(api, id, options.retention);
  return id;
}

/** `count` backups of the source, one after another (oldest first in the result), each succeeded. */
export async function backUp(service: LocalService, api: Api, sourceId: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const requested = await api.post('/v1/backups', { sourceId });
    expect(requested.status, JSON.stringify(requested.body)).toBe(202);
    await service.idle();
    const id = requested.body.id as string;
    const backup = await backupOf(api, id);
    expect(backup.status, JSON.stringify(backup.error)).toBe('succeeded');
    ids.push(id);
  }
  return ids;
}

export async function backupOf(api: Api, backupId: string): Promise<Body> {
  const response = await api.get(`/v1/backups/${backupId}`);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

export async function statusOf(api: Api, backupId: string): Promise<string> {
  return (await backupOf(api, backupId)).status as string;
}

/** Downloads a dump through its pre-signed link: the bytes' SHA-256 must be the one the API recorded. */
export async function expectDownloadable(api: Api, backupId: string): Promise<void> {
  const link = await api.get(`/v1/backups/${backupId}/download`);
  expect(link.status, JSON.stringify(link.body)).toBe(200);
  const response = await fetch(link.body.url as string);
  expect(response.status).toBe(200);
  const bytes = Buffer.from(await response.arrayBuffer());
  expect(createHash('sha256').update(bytes).digest('hex')).toBe(link.body.sha256);
}

/** Every backup of the source as the API lists it (all pages), newest first. */
export async function listBackups(api: Api, sourceId: string): Promise<Body[]> {
  const out: Body[] = [];
  let cursor: string | null = null;
  do {
    const page: { status: number; body: { items: Body[]; nextCursor: string | null } } = await api.get(
      `/v1/backups?sourceId=${sourceId}&limit=100${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(page.status).toBe(200);
    out.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return out;
}

/**
 * Starts the prune machine with `input` and waits until it and everything it started (continued executions) have
 * settled, at most `timeoutMs`: a run that does not finish by then is stopped (every execution) and the test fails,
 * naming the executions, instead of waiting for ever.
 */
export async function prune(service: LocalService, input: Body, timeoutMs = 90_000) {
  const started = service.machines.start(service.pruneStateMachineArn, { input: JSON.stringify(input) });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const outcome = await Promise.race([service.idle().then(() => 'idle' as const), timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    const executions = service.machines
      .list(service.pruneStateMachineArn)
      .map((execution) => `${execution.name} ${execution.status} after ${execution.states.length} states`);
    service.machines.stopAll();
    throw new Error(`the prune run did not finish within ${timeoutMs} ms: ${executions.join('; ')}`);
  }
  return service.machines.describe(started.executionArn);
}

/** Starts the prune machine as an operator does, through the Step Functions API (the local endpoint over HTTP). */
export async function pruneOverHttp(service: LocalService, input: Body) {
  const sfn = new SFNClient({
    region: service.region,
    endpoint: service.awsUrl,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const started = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: service.pruneStateMachineArn, input: JSON.stringify(input) }),
  );
  await service.idle();
  const described = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
  return { status: described.status, cause: described.cause, output: described.output };
}

/** The run an execution's output names (`$.run.runId`). */
export function runIdOf(execution: { output?: string }): string {
  return (JSON.parse(execution.output ?? '{}') as { run?: { runId?: string } }).run?.runId as string;
}

/** GET /v1/retention/runs/{id} as `api`, and the report of one source in it. */
export async function runReport(api: Api, runId: string, sourceId: string): Promise<Body> {
  const run = await api.get(`/v1/retention/runs/${runId}`);
  expect(run.status, JSON.stringify(run.body)).toBe(200);
  const report = (run.body.sources as Body[]).find((entry) => entry.sourceId === sourceId);
  expect(report, `run ${runId} has no report for ${sourceId}`).toBeDefined();
  return report as Body;
}

export function vaultPrefix(tenant: string, sourceId: string, backupId: string): string {
  return `tenants/${tenant}/sources/${sourceId}/${backupId}/`;
}

/** Every version and delete marker under a prefix of the vault: `<key>@<version>`. */
export async function vaultVersions(service: LocalService, prefix: string): Promise<string[]> {
  const listed = await service.clients.s3.send(
    new ListObjectVersionsCommand({ Bucket: service.environment.STRONGBOX_VAULT_BUCKET, Prefix: prefix }),
  );
  return [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])].map((v) => `${v.Key}@${v.VersionId}`);
}

export async function legalHoldOf(service: LocalService, key: string): Promise<string | undefined> {
  const head = await service.clients.s3.send(
    new HeadObjectCommand({ Bucket: service.environment.STRONGBOX_VAULT_BUCKET, Key: key }),
  );
  return head.ObjectLockLegalHoldStatus;
}

/** EBS snapshots in `region` tagged `strongbox:backup=<backupId>` (what retention must delete). */
export async function snapshotsOf(service: LocalService, region: string, backupId: string): Promise<Snapshot[]> {
  const out = await service.clients
    .ec2(region)
    .send(new DescribeSnapshotsCommand({ Filters: [{ Name: `tag:${TAGS.backup}`, Values: [backupId] }] }));
  return out.Snapshots ?? [];
}

/**
 * Rewrites a backup's `createdAt` in the catalog table (a flat DynamoDB item, docs/architecture.md "Catalog"). The
 * API stamps backups with the clock and the planner buckets by `createdAt`, so a history spread over months can only
 * be made by dating real backups back; ids (ULIDs) keep their order, so dating older ids further back is consistent.
 */
export async function redate(service: LocalService, tenant: string, backupId: string, createdAt: string) {
  await service.clients.dynamodb.send(
    new UpdateCommand({
      TableName: service.environment.STRONGBOX_TABLE_NAME,
      Key: { pk: `TENANT#${tenant}`, sk: `BACKUP#${backupId}` },
      UpdateExpression: 'SET createdAt = :at',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':at': createdAt },
    }),
  );
}

/** Gives the in-process runtime (the prune step and the API handlers) other env values; returns the undo. */
export function overrideEnv(values: Partial<RuntimeEnv>): () => void {
  return overrideRuntimeForTests({ env: { ...runtime().env, ...values } });
}
