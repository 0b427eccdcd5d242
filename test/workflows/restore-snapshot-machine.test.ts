import { DescribeVolumesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RESTORE_STATES } from '../../infra/constructs/restore';
import { TAGS } from '../../lambdas/domain/snapshot';
import { overrideRuntimeForTests, runtime } from '../../lambdas/handlers/wiring';
import type { LocalService } from '../../scripts/local/service';
import { createTestInstance, createTestVolume } from '../support/cloud-fixtures';
import { withEmulatorGaps } from '../support/fake-cloud';
import { type Api, apiAs, startTestService } from '../support/local-service';

/**
 * The restore machine's volume branch as tenants and operators meet it: EBS snapshot backups taken by the snapshot
 * machine on moto, restored by the synthesized restore machine with the real handlers, checked with DescribeVolumes.
 */
const REGION = 'us-east-1';
let service: LocalService;
let acme: Api;
let sfn: SFNClient;

async function describeVolumes(volumeIds: string[]) {
  const out = await service.clients.ec2(REGION).send(new DescribeVolumesCommand({ VolumeIds: volumeIds }));
  return out.Volumes ?? [];
}

async function volumeCount(): Promise<number> {
  const out = await service.clients.ec2(REGION).send(new DescribeVolumesCommand({}));
  return (out.Volumes ?? []).length;
}

/** Registers a snapshot source over the API and backs it up; returns the succeeded backup. */
async function backUp(body: Record<string, unknown>) {
  const source = await acme.post('/v1/sources', { name: `src ${Math.random()}`, ...body });
  expect(source.status, JSON.stringify(source.body)).toBe(201);
  const requested = await acme.post('/v1/backups', { sourceId: source.body.id });
  await service.idle();
  const backup = await acme.get(`/v1/backups/${requested.body.id}`);
  expect(backup.body.status, JSON.stringify(backup.body)).toBe('succeeded');
  return backup.body as { id: string; snapshots: { id: string; device?: string }[] };
}

function statesOf(restoreId: string): string[] {
  const arn = `${service.restoreStateMachineArn.replace(':stateMachine:', ':execution:')}:${restoreId}`;
  return service.machines.describe(arn).states;
}

/**
 * Requests a restore and lets the machine run. A replacing restore waits for approval: that it waits, and that
 * nothing was created, detached or snapshotted meanwhile, is checked here; then another acme admin approves it.
 */
async function restore(body: Record<string, unknown>) {
  const requested = await acme.post('/v1/restores', body);
  await service.idle();
  if ((body.target as { replace?: boolean } | undefined)?.replace === true && requested.status === 202) {
    const waiting = await acme.get(`/v1/restores/${requested.body.id}`);
    expect(waiting.body).toMatchObject({
      status: 'pending_approval',
      approval: { reason: 'replace' },
      volumes: [],
      detachedVolumes: [],
      preRestoreBackupId: null,
    });
    expect(statesOf(requested.body.id as string).at(-1)).toBe(RESTORE_STATES.awaitApproval);
    const self = await acme.post(`/v1/restores/${requested.body.id}/approve`, {});
    expect(self.status).toBe(403);
    const approved = await apiAs(service, 'acmeApprover').post(`/v1/restores/${requested.body.id}/approve`, {});
    expect(approved.status).toBe(200);
    await service.idle();
  }
  return requested;
}

beforeAll(async () => {
  service = await startTestService();
  acme = apiAs(service, 'acme');
  sfn = new SFNClient({
    region: REGION,
    endpoint: service.awsUrl,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
});

let undo: (() => void) | undefined;

afterEach(() => {
  undo?.();
  undo = undefined;
});

afterAll(async () => {
  await service?.stop();
});

describe('volume restores', () => {
  it('restores a volume backup to a new device on the tenant instance', async () => {
    // Prepare
    const volume = await createTestVolume(service.clients, REGION, { tenant: 'acme', sizeGiB: 10 });
    const backup = await backUp({ type: 'ebs-volume', volumeId: volume.volumeId });
    const instance = await createTestInstance(service.clients, REGION, { tenant: 'acme', devices: ['/dev/xvdf'] });

    // Act
    const requested = await restore({
      backupId: backup.id,
      target: { instanceId: instance.instanceId, device: '/dev/xvdh' },
    });

    // Assess
    expect(requested.status, JSON.stringify(requested.body)).toBe(202);
    const done = await acme.get(`/v1/restores/${requested.body.id}`);
    expect(done.body, JSON.stringify(done.body)).toMatchObject({
      status: 'succeeded',
      target: { instanceId: instance.instanceId, device: '/dev/xvdh', replace: false },
      volumes: [{ device: '/dev/xvdh', snapshotId: backup.snapshots[0]?.id, state: 'in-use' }],
      detachedVolumes: [],
    });
    const [restored] = (done.body.volumes as { volumeId: string }[]) ?? [];
    const [described] = await describeVolumes([restored?.volumeId as string]);
    expect(described).toMatchObject({
      State: 'in-use',
      AvailabilityZone: instance.availabilityZone,
      SnapshotId: backup.snapshots[0]?.id,
      Attachments: [expect.objectContaining({ InstanceId: instance.instanceId, Device: '/dev/xvdh' })],
    });
    expect(described?.Tags).toEqual(
      expect.arrayContaining([
        { Key: TAGS.tenant, Value: 'acme' },
        { Key: TAGS.restore, Value: requested.body.id },
        { Key: TAGS.device, Value: '/dev/xvdh' },
        { Key: TAGS.managedBy, Value: 'strongbox' },
      ]),
    );
    expect(statesOf(requested.body.id as string)).toEqual([
      RESTORE_STATES.prepare,
      RESTORE_STATES.checkApproval,
      RESTORE_STATES.approvalRequired,
      RESTORE_STATES.restoreKind,
      RESTORE_STATES.replaceVolumes,
      RESTORE_STATES.createVolumes,
      RESTORE_STATES.checkVolumes,
      RESTORE_STATES.volumesAvailable,
      RESTORE_STATES.attachVolumes,
      RESTORE_STATES.checkAttached,
      RESTORE_STATES.volumesAttached,
      RESTORE_STATES.recordRestored,
    ]);
  });

  it('replaces a volume: pre-restore snapshot backup first, the old volume detached and kept', async () => {
    // Prepare
    const instance = await createTestInstance(service.clients, REGION, { tenant: 'acme', devices: ['/dev/xvdf'] });
    const old = instance.volumes[0]?.volumeId as string;
    const backup = await backUp({ type: 'ebs-volume', volumeId: old });

    // Act
    const requested = await restore({
      backupId: backup.id,
      target: { instanceId: instance.instanceId, device: '/dev/xvdf', replace: true },
    });

    // Assess
    const done = await acme.get(`/v1/restores/${requested.body.id}`);
    expect(done.body, JSON.stringify(done.body)).toMatchObject({
      status: 'succeeded',
      detachedVolumes: [{ device: '/dev/xvdf', volumeId: old }],
      preRestoreBackupId: expect.stringMatching(/^bkp_/),
    });
    const pre = await acme.get(`/v1/backups/${done.body.preRestoreBackupId}`);
    expect(pre.body).toMatchObject({
      status: 'succeeded',
      trigger: 'pre-restore',
      restoreId: requested.body.id,
      snapshots: [{ resourceId: old, device: '/dev/xvdf', state: 'completed' }],
    });
    const [kept] = await describeVolumes([old]);
    expect(kept).toMatchObject({ State: 'available', Attachments: [] });
    const newId = (done.body.volumes as { volumeId: string }[])[0]?.volumeId as string;
    const [attached] = await describeVolumes([newId]);
    expect(attached?.Attachments).toEqual([
      expect.objectContaining({ InstanceId: instance.instanceId, Device: '/dev/xvdf' }),
    ]);
  });

  it('emulator gap: a pre-restore snapshot in error fails the restore and its backup, claims nothing was saved, detaches nothing', async () => {
    // Prepare
    const instance = await createTestInstance(service.clients, REGION, { tenant: 'acme', devices: ['/dev/xvdf'] });
    const old = instance.volumes[0]?.volumeId as string;
    const backup = await backUp({ type: 'ebs-volume', volumeId: old });
    undo = overrideRuntimeForTests({ cloud: withEmulatorGaps(runtime().cloud, { finalState: 'error' }).cloud });

    // Act
    const requested = await restore({
      backupId: backup.id,
      target: { instanceId: instance.instanceId, device: '/dev/xvdf', replace: true },
    });

    // Assess
    const done = await acme.get(`/v1/restores/${requested.body.id}`);
    expect(done.body, JSON.stringify(done.body)).toMatchObject({
      status: 'failed',
      detachedVolumes: [],
      preRestoreBackupId: expect.stringMatching(/^bkp_/),
    });
    const message = (done.body.error as { message: string }).message;
    expect(message).toContain('nothing was replaced');
    expect(message).not.toContain('saved in backup');
    expect(message).toContain(`the pre-restore backup ${done.body.preRestoreBackupId} is failed`);
    const pre = await acme.get(`/v1/backups/${done.body.preRestoreBackupId}`);
    expect(pre.body).toMatchObject({ status: 'failed', trigger: 'pre-restore', restoreId: requested.body.id });
    const [kept] = await describeVolumes([old]);
    expect(kept?.Attachments).toEqual([
      expect.objectContaining({ InstanceId: instance.instanceId, Device: '/dev/xvdf', State: 'attached' }),
    ]);
  });

  it('restores every volume of an instance backup to its device on a stopped instance, replacing the root', async () => {
    // Prepare
    const source = await createTestInstance(service.clients, REGION, {
      tenant: 'acme',
      devices: ['/dev/xvdf', '/dev/xvdg'],
    });
    const backup = await backUp({ type: 'ec2-instance', instanceId: source.instanceId });
    const target = await createTestInstance(service.clients, REGION, { tenant: 'acme', devices: [] });
    await service.clients.ec2(REGION).send(new StopInstancesCommand({ InstanceIds: [target.instanceId] }));

    // Act
    const requested = await restore({ backupId: backup.id, target: { instanceId: target.instanceId, replace: true } });

    // Assess
    const done = await acme.get(`/v1/restores/${requested.body.id}`);
    expect(done.body.status, JSON.stringify(done.body)).toBe('succeeded');
    const volumes = done.body.volumes as { device: string; volumeId: string }[];
    expect(volumes.map((v) => v.device).sort()).toEqual(backup.snapshots.map((s) => s.device).sort());
    expect(done.body.detachedVolumes).toEqual([{ device: target.rootDevice, volumeId: target.rootVolumeId }]);
    for (const volume of await describeVolumes(volumes.map((v) => v.volumeId))) {
      const device = volumes.find((v) => v.volumeId === volume.VolumeId)?.device;
      expect(volume.Attachments).toEqual([expect.objectContaining({ InstanceId: target.instanceId, Device: device })]);
    }
  });

  it('lets an operator start it with a request and refuses a device in use before creating any volume', async () => {
    // Prepare
    const volume = await createTestVolume(service.clients, REGION, { tenant: 'acme' });
    const backup = await backUp({ type: 'ebs-volume', volumeId: volume.volumeId });
    const instance = await createTestInstance(service.clients, REGION, { tenant: 'acme', devices: ['/dev/xvdf'] });
    const before = await volumeCount();

    // Act
    const started = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: service.restoreStateMachineArn,
        input: JSON.stringify({
          tenantId: 'acme',
          backupId: backup.id,
          target: { instanceId: instance.instanceId, device: '/dev/sdf' },
          requestedBy: 'ops@platform',
        }),
      }),
    );
    await service.idle();

    // Assess
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('RestoreTargetExistsError');
    expect(service.machines.describe(started.executionArn as string).states).toEqual([
      RESTORE_STATES.prepare,
      RESTORE_STATES.recordFailure,
      RESTORE_STATES.failed,
    ]);
    expect(await volumeCount()).toBe(before);
  });
});
