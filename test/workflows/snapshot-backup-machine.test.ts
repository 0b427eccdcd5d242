import { DescribeSnapshotsCommand } from '@aws-sdk/client-ec2';
import { DescribeDBClusterSnapshotsCommand, DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SNAPSHOT_STATES } from '../../infra/constructs/snapshots';
import { overrideRuntimeForTests, runtime } from '../../lambdas/handlers/wiring';
import type { LocalService } from '../../scripts/local/service';
import {
  createTestDbCluster,
  createTestDbInstance,
  createTestInstance,
  createTestKmsKey,
  createTestVolume,
} from '../support/cloud-fixtures';
import { type GapOptions, withEmulatorGaps } from '../support/fake-cloud';
import { type Api, apiAs, startTestService } from '../support/local-service';

/**
 * The snapshot backup machine as synthesized, run by the local Step Functions endpoint with the real handler against
 * moto (EC2, RDS, S3, DynamoDB). Started the way tenants start it: POST /v1/backups. moto completes snapshots at once
 * and never throttles, so the pending/error/throttling cases wrap the runtime's cloud port (tests named "emulator gap").
 */
let service: LocalService;
let acme: Api;
let undo: (() => void) | undefined;

beforeAll(async () => {
  service = await startTestService();
  acme = apiAs(service, 'acme');
});

afterEach(() => {
  undo?.();
  undo = undefined;
});

afterAll(async () => {
  await service?.stop();
});

type Body = Record<string, unknown>;

function withGaps(options: GapOptions) {
  const gaps = withEmulatorGaps(runtime().cloud, options);
  undo = overrideRuntimeForTests({ cloud: gaps.cloud });
  return gaps;
}

async function register(body: Body): Promise<string> {
  const response = await acme.post('/v1/sources', { name: `source ${Math.random()}`, ...body });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id as string;
}

/** POST /v1/backups, let the machine run, then the backup, its execution's states, and its status. */
async function backUp(sourceId: string) {
  const requested = await acme.post('/v1/backups', { sourceId });
  expect(requested.status, JSON.stringify(requested.body)).toBe(202);
  const id = requested.body.id as string;
  await service.idle();
  const execution = service.machines.describe(
    `${service.snapshotStateMachineArn.replace(':stateMachine:', ':execution:')}:${id}`,
  );
  const backup = (await acme.get(`/v1/backups/${id}`)).body;
  return { id, backup, execution, states: execution.states };
}

async function ebsSnapshotsTagged(region: string, backupId: string) {
  const out = await service.clients
    .ec2(region)
    .send(new DescribeSnapshotsCommand({ Filters: [{ Name: 'tag:strongbox:backup', Values: [backupId] }] }));
  return out.Snapshots ?? [];
}

async function manifest(sourceId: string, backupId: string): Promise<Body> {
  const object = await service.clients.s3.send(
    new GetObjectCommand({
      Bucket: service.environment.STRONGBOX_VAULT_BUCKET,
      Key: `tenants/acme/sources/${sourceId}/${backupId}/manifest.json`,
    }),
  );
  return JSON.parse((await object.Body?.transformToString()) ?? '{}') as Body;
}

const REGION = 'us-east-1';

describe('snapshot backup machine', () => {
  it('backs up a volume: one snapshot tagged with the backup id, a manifest, succeeded', async () => {
    const volume = await createTestVolume(service.clients, REGION, { tenant: 'acme', sizeGiB: 20 });
    const sourceId = await register({ type: 'ebs-volume', volumeId: volume.volumeId });

    const { id, backup, execution, states } = await backUp(sourceId);

    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(states).toEqual([
      SNAPSHOT_STATES.start,
      SNAPSHOT_STATES.create,
      SNAPSHOT_STATES.check,
      SNAPSHOT_STATES.completed,
      SNAPSHOT_STATES.copyChoice,
      SNAPSHOT_STATES.record,
    ]);
    const snapshots = await ebsSnapshotsTagged(REGION, id);
    expect(snapshots).toHaveLength(1);
    expect(snapshots[0]?.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'strongbox:tenant', Value: 'acme' },
        { Key: 'strongbox:source', Value: sourceId },
        { Key: 'strongbox:trigger', Value: 'manual' },
        { Key: 'strongbox:managed-by', Value: 'strongbox' },
      ]),
    );
    expect(backup).toMatchObject({
      status: 'succeeded',
      kind: 'snapshot',
      sourceType: 'ebs-volume',
      snapshots: [{ id: snapshots[0]?.SnapshotId, resourceId: volume.volumeId, state: 'completed' }],
    });
    expect(await manifest(sourceId, id)).toMatchObject({
      schemaVersion: 1,
      kind: 'snapshot',
      backupId: id,
      source: { id: sourceId, type: 'ebs-volume', region: REGION, resourceId: volume.volumeId },
      snapshots: [{ id: snapshots[0]?.SnapshotId, region: REGION }],
      copies: [],
    });
  });

  it('backs up an instance as one snapshot per attached volume, with devices', async () => {
    const instance = await createTestInstance(service.clients, REGION, { tenant: 'acme' });
    const sourceId = await register({ type: 'ec2-instance', instanceId: instance.instanceId });

    const { id, backup, execution } = await backUp(sourceId);

    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    const recorded = backup.snapshots as { resourceId: string; device: string }[];
    expect(recorded.length).toBe(instance.volumes.length + 1);
    for (const volume of instance.volumes) {
      expect(recorded).toContainEqual(expect.objectContaining({ resourceId: volume.volumeId, device: volume.device }));
    }
    expect(await ebsSnapshotsTagged(REGION, id)).toHaveLength(recorded.length);
    const devices = ((await manifest(sourceId, id)).snapshots as { device?: string }[]).map((s) => s.device);
    expect(devices).toEqual(expect.arrayContaining(instance.volumes.map((v) => v.device)));
  });

  it('backs up an RDS instance and an Aurora cluster with manual snapshots tagged for the backup', async () => {
    const db = await createTestDbInstance(service.clients, REGION, { tenant: 'acme' });
    const cluster = await createTestDbCluster(service.clients, REGION, { tenant: 'acme', withInstance: false });
    const dbSource = await register({ type: 'rds-instance', dbInstanceIdentifier: db.dbInstanceIdentifier });
    const clusterSource = await register({ type: 'rds-cluster', dbClusterIdentifier: cluster.dbClusterIdentifier });

    const dbBackup = await backUp(dbSource);
    const clusterBackup = await backUp(clusterSource);

    expect(dbBackup.execution.status, dbBackup.execution.cause).toBe('SUCCEEDED');
    expect(clusterBackup.execution.status, clusterBackup.execution.cause).toBe('SUCCEEDED');
    const rds = service.clients.rds(REGION);
    const manual = await rds.send(
      new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: db.dbInstanceIdentifier, SnapshotType: 'manual' }),
    );
    expect(manual.DBSnapshots?.map((s) => s.DBSnapshotIdentifier)).toEqual([
      (dbBackup.backup.snapshots as { id: string }[])[0]?.id,
    ]);
    const clusterSnapshots = await rds.send(
      new DescribeDBClusterSnapshotsCommand({
        DBClusterIdentifier: cluster.dbClusterIdentifier,
        SnapshotType: 'manual',
      }),
    );
    expect(clusterSnapshots.DBClusterSnapshots).toHaveLength(1);
    expect(clusterBackup.backup).toMatchObject({ status: 'succeeded', snapshots: [{ type: 'rds-cluster-snapshot' }] });
  });

  it('copies to a DR region: a child backup (copyOf) with a snapshot in eu-west-1 under the given key', async () => {
    const key = await createTestKmsKey('eu-west-1', undefined, { tenant: 'acme' });
    const volume = await createTestVolume(service.clients, REGION, { tenant: 'acme' });
    const sourceId = await register({
      type: 'ebs-volume',
      volumeId: volume.volumeId,
      settings: { copyRegions: [{ region: 'eu-west-1', kmsKeyId: key }] },
    });

    const { id, backup, execution, states } = await backUp(sourceId);

    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(states).toContain(SNAPSHOT_STATES.copy);
    expect(states).toContain(SNAPSHOT_STATES.checkCopies);
    const [childId] = backup.copies as string[];
    const child = (await acme.get(`/v1/backups/${childId}`)).body;
    expect(child).toMatchObject({ status: 'succeeded', copyOf: id, region: 'eu-west-1', sourceId });
    const copies = await ebsSnapshotsTagged('eu-west-1', childId as string);
    expect(copies).toHaveLength(1);
    expect(copies[0]?.Tags).toContainEqual({
      Key: 'strongbox:copy-of',
      Value: (backup.snapshots as { id: string }[])[0]?.id,
    });
    expect((await manifest(sourceId, id)).copies).toMatchObject([{ backupId: childId, region: 'eu-west-1' }]);
  });

  it('R11: a "Create snapshots" retried after its call took effect finds that snapshot (one per request)', async () => {
    const gaps = withGaps({ failAfterCreate: 1 });
    const volume = await createTestVolume(service.clients, REGION, { tenant: 'acme' });
    const sourceId = await register({ type: 'ebs-volume', volumeId: volume.volumeId });

    const { id, execution } = await backUp(sourceId);

    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(gaps.counts.lost).toBe(1);
    expect(await ebsSnapshotsTagged(REGION, id)).toHaveLength(1);
  });

  it('emulator gap (R11): throttled twice (RequestLimitExceeded), retried by the machine → exactly one snapshot', async () => {
    const gaps = withGaps({ throttleCreates: 2 });
    const volume = await createTestVolume(service.clients, REGION, { tenant: 'acme' });
    const sourceId = await register({ type: 'ebs-volume', volumeId: volume.volumeId });

    const { id, execution, states } = await backUp(sourceId);

    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(gaps.counts).toMatchObject({ throttled: 2, creates: 1 });
    expect(states.filter((state) => state === SNAPSHOT_STATES.create).length).toBeGreaterThanOrEqual(1);
    expect(await ebsSnapshotsTagged(REGION, id)).toHaveLength(1);
  });

  it('emulator gap (R10): pending for 3 checks, then completed → waits, then succeeds', async () => {
    withGaps({ pendingPolls: 3 });
    const volume = await createTestVolume(service.clients, REGION, { tenant: 'acme' });
    const sourceId = await register({ type: 'ebs-volume', volumeId: volume.volumeId });

    const { backup, execution, states } = await backUp(sourceId);

    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(states.filter((state) => state === SNAPSHOT_STATES.wait)).toHaveLength(3);
    expect(states.filter((state) => state === SNAPSHOT_STATES.check)).toHaveLength(4);
    expect(backup).toMatchObject({ status: 'succeeded', snapshots: [{ state: 'completed' }] });
  });

  it('emulator gap (R10): pending, then error → failed with a clear reason, no manifest', async () => {
    withGaps({ pendingPolls: 2, finalState: 'error' });
    const volume = await createTestVolume(service.clients, REGION, { tenant: 'acme' });
    const sourceId = await register({ type: 'ebs-volume', volumeId: volume.volumeId });

    const { id, backup, execution, states } = await backUp(sourceId);

    expect(execution.status).toBe('FAILED');
    expect(states.slice(-2)).toEqual([SNAPSHOT_STATES.recordFailure, SNAPSHOT_STATES.failed]);
    expect(backup).toMatchObject({
      status: 'failed',
      error: { code: 'snapshot_failed', message: expect.stringMatching(/snap-\w+ is in state error/) },
    });
    await expect(manifest(sourceId, id)).rejects.toThrow();
  });

  it('R12 (emulator gap: quota usage): RDS quota full → 409 with a clear message and nothing created', async () => {
    const db = await createTestDbInstance(service.clients, REGION, { tenant: 'acme' });
    const sourceId = await register({ type: 'rds-instance', dbInstanceIdentifier: db.dbInstanceIdentifier });
    withGaps({ quota: { used: 100, max: 100 } });

    const response = await acme.post('/v1/backups', { sourceId });
    await service.idle();

    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({
      error: { code: 'snapshot_quota_exceeded', message: expect.stringContaining('100 of 100') },
    });
    expect((await acme.get(`/v1/backups?sourceId=${sourceId}`)).body).toMatchObject({ items: [] });
    const manual = await service.clients
      .rds(REGION)
      .send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: db.dbInstanceIdentifier, SnapshotType: 'manual' }));
    expect(manual.DBSnapshots ?? []).toHaveLength(0);
  });
});
