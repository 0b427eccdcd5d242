import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { DescribeExecutionCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalService } from '../../scripts/local/service';
import { createTestDbInstance, uniqueDbIdentifier } from '../support/cloud-fixtures';
import { type Api, apiAs, startTestService } from '../support/local-service';

/**
 * The restore approval gate over the local API (four eyes): a source whose settings require approval makes every
 * restore wait, visibly, with nothing created; only another admin of the same tenant can release or reject it.
 */
const REGION = 'us-east-1';
let service: LocalService;
let acme: Api;
let approver: Api;
let sfn: SFNClient;
let backupId: string;

async function dbInstances(): Promise<string[]> {
  const described = await service.clients.rds(REGION).send(new DescribeDBInstancesCommand({}));
  return (described.DBInstances ?? []).map((instance) => instance.DBInstanceIdentifier ?? '');
}

async function waitingRestore(): Promise<{ id: string; identifier: string }> {
  const identifier = uniqueDbIdentifier('approved');
  const requested = await acme.post('/v1/restores', { backupId, target: { dbInstanceIdentifier: identifier } });
  expect(requested.status, JSON.stringify(requested.body)).toBe(202);
  await service.idle();
  return { id: requested.body.id as string, identifier };
}

async function executionOf(restoreId: string) {
  const executionArn = `${service.restoreStateMachineArn.replace(':stateMachine:', ':execution:')}:${restoreId}`;
  return sfn.send(new DescribeExecutionCommand({ executionArn }));
}

beforeAll(async () => {
  service = await startTestService();
  acme = apiAs(service, 'acme');
  approver = apiAs(service, 'acmeApprover');
  sfn = new SFNClient({
    region: REGION,
    endpoint: service.awsUrl,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const db = await createTestDbInstance(service.clients, REGION, { tenant: 'acme' });
  const source = await acme.post('/v1/sources', {
    name: 'guarded db',
    type: 'rds-instance',
    dbInstanceIdentifier: db.dbInstanceIdentifier,
    settings: { restoreApproval: true },
  });
  expect(source.status, JSON.stringify(source.body)).toBe(201);
  const requested = await acme.post('/v1/backups', { sourceId: source.body.id });
  await service.idle();
  backupId = requested.body.id as string;
  expect((await acme.get(`/v1/backups/${backupId}`)).body.status).toBe('succeeded');
});

afterAll(async () => {
  await service?.stop();
});

describe('restore approval', () => {
  it('waits as pending_approval with nothing created, until another admin approves', async () => {
    // Prepare
    const restore = await waitingRestore();
    const before = await acme.get(`/v1/restores/${restore.id}`);
    const instancesBefore = await dbInstances();

    // Act
    const approved = await approver.post(`/v1/restores/${restore.id}/approve`, { comment: 'checked with the team' });
    await service.idle();

    // Assess
    expect(before.body).toMatchObject({
      status: 'pending_approval',
      approval: { reason: 'source-settings', decision: null, requestedAt: expect.any(String) },
    });
    expect(JSON.stringify(before.body)).not.toMatch(/token/i);
    expect(instancesBefore).not.toContain(restore.identifier);
    expect(approved.status).toBe(200);
    const done = await acme.get(`/v1/restores/${restore.id}`);
    expect(done.body).toMatchObject({
      status: 'succeeded',
      approval: { decision: 'approved', decidedBy: 'lead@acme.local' },
    });
    expect(await dbInstances()).toContain(restore.identifier);
  });

  it('refuses the requester, a member and another tenant, and changes nothing', async () => {
    // Prepare
    const restore = await waitingRestore();

    // Act
    const self = await acme.post(`/v1/restores/${restore.id}/approve`, {});
    const member = await apiAs(service, 'acmeMember').post(`/v1/restores/${restore.id}/approve`, {});
    const otherTenant = await apiAs(service, 'globex').post(`/v1/restores/${restore.id}/approve`, {});
    const smuggled = await approver.post(`/v1/restores/${restore.id}/approve`, { tenantId: 'acme' });

    // Assess
    expect(self.status).toBe(403);
    expect((self.body.error as { message: string }).message).toMatch(/requester/);
    expect(member.status).toBe(403);
    expect(otherTenant.status).toBe(404);
    expect(smuggled.status).toBe(400);
    expect((await acme.get(`/v1/restores/${restore.id}`)).body.status).toBe('pending_approval');
    expect((await executionOf(restore.id)).status).toBe('RUNNING');

    // Cleanup: reject it, so the execution ends
    await approver.post(`/v1/restores/${restore.id}/reject`, {});
    await service.idle();
  });

  it('fails a rejected restore with the reason and ends the execution before anything is created', async () => {
    // Prepare
    const restore = await waitingRestore();

    // Act
    const rejected = await approver.post(`/v1/restores/${restore.id}/reject`, { comment: 'wrong backup' });
    await service.idle();
    const again = await approver.post(`/v1/restores/${restore.id}/approve`, {});

    // Assess
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({
      status: 'failed',
      approval: { decision: 'rejected', decidedBy: 'lead@acme.local' },
      error: { code: 'restore_rejected', message: expect.stringContaining('wrong backup') },
    });
    const execution = await executionOf(restore.id);
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('RestoreRejectedError');
    expect(await dbInstances()).not.toContain(restore.identifier);
    expect(again.status).toBe(409);
    expect((await acme.get(`/v1/restores/${restore.id}`)).body.status).toBe('failed');
  });

  it('fails a restore whose execution an operator stopped while it waited, when someone then decides', async () => {
    // Prepare
    const restore = await waitingRestore();
    const { executionArn } = await executionOf(restore.id);
    await sfn.send(new StopExecutionCommand({ executionArn, cause: 'cancelled by ops' }));

    // Act
    const approved = await approver.post(`/v1/restores/${restore.id}/approve`, {});

    // Assess
    expect((await executionOf(restore.id)).status).toBe('ABORTED');
    expect(approved.status).toBe(409);
    expect(approved.body).toMatchObject({ error: { code: 'approval_expired' } });
    expect((await acme.get(`/v1/restores/${restore.id}`)).body).toMatchObject({
      status: 'failed',
      error: { code: 'approval_expired' },
    });
    expect(await dbInstances()).not.toContain(restore.identifier);
  });
});
