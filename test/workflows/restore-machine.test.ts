import { createHash } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalService } from '../../scripts/local/service';
import { type Api, apiAs, startTestService } from '../support/local-service';
import { createPostgresDatabase, type TestDatabase, testbedInfo, withPostgres } from '../support/testbed';

/**
 * The restore state machine as operators meet it: started through the Step Functions API (here the local endpoint
 * that runs the synthesized ASL), its tasks the real handlers, its effects real databases and vault objects.
 */
let service: LocalService;
let acme: Api;
let sfn: SFNClient;
let source: TestDatabase;
let sourceId: string;
let backup: { id: string; sha256: string };
const dropAfter: string[] = [];

async function rowsIn(database: string, table: string): Promise<number> {
  const result = await withPostgres(database, (client) => client.query(`SELECT count(*)::int AS n FROM ${table}`));
  return result.rows[0].n as number;
}

async function databaseExists(name: string): Promise<boolean> {
  const result = await withPostgres('postgres', (client) =>
    client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]),
  );
  return result.rowCount === 1;
}

async function execute(input: Record<string, unknown>) {
  const started = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: service.restoreStateMachineArn, input: JSON.stringify(input) }),
  );
  await service.idle();
  const described = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
  const states = service.machines.describe(started.executionArn as string).states;
  return { ...described, states };
}

async function latestRestore() {
  const list = await acme.get<{ items: Record<string, unknown>[] }>('/v1/restores?limit=1');
  return list.body.items[0] as Record<string, unknown>;
}

beforeAll(async () => {
  service = await startTestService();
  acme = apiAs(service, 'acme');
  sfn = new SFNClient({
    region: 'us-east-1',
    endpoint: service.awsUrl,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  source = await createPostgresDatabase('wf_src');
  await withPostgres(source.name, (client) =>
    client.query(
      `CREATE TABLE orders (id int PRIMARY KEY, note text); INSERT INTO orders SELECT g, 'n' || g FROM generate_series(1, 250) g;`,
    ),
  );
  const server = testbedInfo().postgres;
  const registered = await acme.post('/v1/sources', {
    name: 'workflow source',
    type: 'postgres',
    host: server.host,
    port: server.port,
    database: source.name,
    username: server.user,
    password: server.password,
  });
  sourceId = registered.body.id as string;
  const requested = await acme.post('/v1/backups', { sourceId });
  await service.idle();
  backup = (await acme.get(`/v1/backups/${requested.body.id}`)).body as { id: string; sha256: string };
});

afterAll(async () => {
  for (const name of [...dropAfter, source?.name]) {
    if (name)
      await withPostgres('postgres', (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  }
  await service?.stop();
});

describe('restore state machine', () => {
  it("restores from an operator's input (no restore record yet) and records who asked", async () => {
    // Prepare
    const target = `${source.name}_op`;
    dropAfter.push(target);

    // Act
    const execution = await execute({
      tenantId: 'acme',
      backupId: backup.id,
      target: { database: target },
      requestedBy: 'ops@platform',
    });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.states).toEqual([
      'Prepare restore',
      'Check approval',
      'Approval required?',
      'Restore kind?',
      'Verify backup',
      'Replace existing?',
      'Load dump',
      'Check restored',
      'Record success',
    ]);
    expect(await rowsIn(target, 'orders')).toBe(250);
    expect(await latestRestore()).toMatchObject({
      status: 'succeeded',
      requestedBy: 'ops@platform',
      restoredRows: 250,
    });
  });

  it('refuses an existing target database before creating or changing anything', async () => {
    // Prepare: a database of that name already holds something of its own
    const target = `${source.name}_taken`;
    dropAfter.push(target);
    await withPostgres('postgres', (client) => client.query(`CREATE DATABASE "${target}"`));
    await withPostgres(target, (client) => client.query('CREATE TABLE mine (x int); INSERT INTO mine VALUES (42);'));

    // Act
    const execution = await execute({ tenantId: 'acme', backupId: backup.id, target: { database: target } });

    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.states).toEqual(['Prepare restore', 'Record failure', 'Restore failed']);
    expect(await latestRestore()).toMatchObject({ status: 'failed', error: { code: 'restore_target_exists' } });
    expect(await rowsIn(target, 'mine')).toBe(1);
  });

  it('replaces the source database only after a pre-restore backup of it succeeded', async () => {
    // Prepare: the source changes after the backup
    await withPostgres(source.name, (client) => client.query('DELETE FROM orders WHERE id > 100'));

    // Act: replacing always waits for a tenant admin's approval (four eyes), then goes on
    const waiting = await execute({
      tenantId: 'acme',
      backupId: backup.id,
      target: { database: source.name, replaceExisting: true },
    });
    const pending = await latestRestore();
    const rowsWhileWaiting = await rowsIn(source.name, 'orders');
    const approved = await acme.post(`/v1/restores/${pending.id}/approve`, { comment: 'go' });
    await service.idle();
    const execution = {
      ...(await sfn.send(new DescribeExecutionCommand({ executionArn: waiting.executionArn }))),
      states: service.machines.describe(waiting.executionArn as string).states,
    };

    // Assess: nothing changed before the approval; then the backup's 250 rows are back, the 100-row state saved first
    expect(waiting.status).toBe('RUNNING');
    expect(pending).toMatchObject({ status: 'pending_approval', approval: { reason: 'replace', decision: null } });
    expect(rowsWhileWaiting).toBe(100);
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ approval: { decision: 'approved', decidedBy: 'admin@acme.local' } });
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.states).toContain('Pre-restore backup');
    expect(await rowsIn(source.name, 'orders')).toBe(250);
    const restore = await latestRestore();
    const saved = await acme.get(`/v1/backups/${restore.preRestoreBackupId}`);
    expect(saved.body).toMatchObject({
      status: 'succeeded',
      trigger: 'pre-restore',
      sourceId,
      manifest: { rows: 100 },
    });
  });

  it('refuses a backup whose stored bytes changed (R6), while the recorded version stays readable', async () => {
    // Prepare: one byte flipped in a new version of the data object
    const bucket = service.environment.STRONGBOX_VAULT_BUCKET as string;
    const key = `tenants/acme/sources/${sourceId}/${backup.id}/data.dump.zst`;
    const stored = await service.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const flipped = Buffer.from((await stored.Body?.transformToByteArray()) ?? []);
    const middle = Math.floor(flipped.length / 2);
    flipped[middle] = (flipped[middle] ?? 0) ^ 0x01;
    await service.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: flipped }));
    const target = `${source.name}_flipped`;

    // Act
    const verify = await acme.post(`/v1/backups/${backup.id}/verify`, {});
    await service.idle();
    const verified = await acme.get(`/v1/backups/${backup.id}`);
    const execution = await execute({ tenantId: 'acme', backupId: backup.id, target: { database: target } });

    // Assess
    expect(verify.status).toBe(202);
    expect(verified.body.verification).toMatchObject({ ok: false });
    expect(execution.status).toBe('FAILED');
    expect(execution.states).toEqual([
      'Prepare restore',
      'Check approval',
      'Approval required?',
      'Restore kind?',
      'Verify backup',
      'Record failure',
      'Restore failed',
    ]);
    expect(await latestRestore()).toMatchObject({ status: 'failed', error: { code: 'checksum_mismatch' } });
    expect(await databaseExists(target)).toBe(false);
    const link = await acme.get(`/v1/backups/${backup.id}/download`);
    const recorded = Buffer.from(await (await fetch(link.body.url as string)).arrayBuffer());
    expect(createHash('sha256').update(recorded).digest('hex')).toBe(backup.sha256);
    // Recovery: putting the recorded bytes back makes the backup verify again.
    await service.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: recorded }));
    await acme.post(`/v1/backups/${backup.id}/verify`, {});
    await service.idle();
    expect((await acme.get(`/v1/backups/${backup.id}`)).body.verification).toMatchObject({ ok: true });
  });

  it('drops the database it created when loading fails', async () => {
    // Prepare: the current object still verifies, but the version the backup recorded is gone, so the load
    // (which reads exactly the recorded version) fails after the target database was created.
    const bucket = service.environment.STRONGBOX_VAULT_BUCKET as string;
    const key = `tenants/acme/sources/${sourceId}/${backup.id}/data.dump.zst`;
    const manifestKey = `tenants/acme/sources/${sourceId}/${backup.id}/manifest.json`;
    const manifest = await service.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: manifestKey }));
    const { versionId } = (
      JSON.parse((await manifest.Body?.transformToString()) ?? '{}') as { object: { versionId: string } }
    ).object;
    const stored = await service.clients.s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }),
    );
    const bytes = await stored.Body?.transformToByteArray();
    await service.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes }));
    await service.clients.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
    const target = `${source.name}_lost`;

    // Act
    const execution = await execute({ tenantId: 'acme', backupId: backup.id, target: { database: target } });

    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.states).toEqual([
      'Prepare restore',
      'Check approval',
      'Approval required?',
      'Restore kind?',
      'Verify backup',
      'Replace existing?',
      'Load dump',
      'Record failure',
      'Restore failed',
    ]);
    const restore = await latestRestore();
    expect(restore.status).toBe('failed');
    expect(String((restore.error as { message: string }).message)).toContain(`${target} was dropped`);
    expect(await databaseExists(target)).toBe(false);
  });
});
