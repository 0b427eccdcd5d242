import { randomBytes } from 'node:crypto';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalService } from '../../scripts/local/service';
import { type Api, apiAs, startTestService } from '../support/local-service';
import { createPostgresDatabase, type TestDatabase, testbedInfo, withPostgres } from '../support/testbed';

/**
 * R16 across the whole service: a source password never appears in a log line (at DEBUG), an API response, a
 * catalog item or a vault object — through a successful backup and restore and a failed backup.
 */
const password = `pw-${randomBytes(12).toString('hex')}`;
const role = `sb_secret_${randomBytes(4).toString('hex')}`;
const logged: string[] = [];
const responses: string[] = [];
let service: LocalService;
let acme: Api;
let db: TestDatabase;
let restoreTarget: string;
const writes = { stdout: process.stdout.write.bind(process.stdout), stderr: process.stderr.write.bind(process.stderr) };

function capture(stream: 'stdout' | 'stderr') {
  process[stream].write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    logged.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return (writes[stream] as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
}

async function call(method: 'get' | 'post', path: string, body?: unknown) {
  const response = method === 'get' ? await acme.get(path) : await acme.post(path, body);
  responses.push(JSON.stringify(response.body));
  return response;
}

beforeAll(async () => {
  process.env.STRONGBOX_TEST_LOG_LEVEL = 'DEBUG';
  capture('stdout');
  capture('stderr');
  service = await startTestService();
  acme = apiAs(service, 'acme');
  db = await createPostgresDatabase('secrets');
  restoreTarget = `${db.name}_r`;
  await withPostgres('postgres', (c) => c.query(`CREATE ROLE ${role} LOGIN SUPERUSER PASSWORD '${password}'`));
  await withPostgres(db.name, (c) => c.query('CREATE TABLE t (x int); INSERT INTO t VALUES (1), (2);'));
});

afterAll(async () => {
  process.stdout.write = writes.stdout as typeof process.stdout.write;
  process.stderr.write = writes.stderr as typeof process.stderr.write;
  await service?.stop();
  await withPostgres('postgres', (c) => c.query(`DROP DATABASE IF EXISTS "${restoreTarget}" WITH (FORCE)`));
  await db?.drop();
  await withPostgres('postgres', (c) => c.query(`DROP ROLE IF EXISTS ${role}`));
});

describe('source passwords', () => {
  it('never reach logs, responses, the catalog or the vault, through backups, restores and failures', async () => {
    // Prepare
    const server = testbedInfo().postgres;
    const source = {
      name: 'secret',
      type: 'postgres',
      host: server.host,
      port: server.port,
      database: db.name,
      username: role,
    };
    const good = await call('post', '/v1/sources', { ...source, password });
    const bad = await call('post', '/v1/sources', { ...source, name: 'wrong', password: `${password}-wrong` });

    // Act
    const backup = await call('post', '/v1/backups', { sourceId: good.body.id });
    const failing = await call('post', '/v1/backups', { sourceId: bad.body.id });
    await service.idle();
    const succeeded = await call('get', `/v1/backups/${backup.body.id}`);
    const failed = await call('get', `/v1/backups/${failing.body.id}`);
    await call('get', `/v1/backups/${backup.body.id}/download`);
    const restore = await call('post', '/v1/restores', {
      backupId: backup.body.id,
      target: { database: restoreTarget },
    });
    await service.idle();
    await call('get', `/v1/restores/${restore.body.id}`);
    await call('get', '/v1/sources');

    // Assess: the flows really ran, and failed where they should
    expect(succeeded.body.status).toBe('succeeded');
    expect(failed.body).toMatchObject({ status: 'failed', error: { code: 'dump_failed' } });
    expect(String((failed.body.error as { message: string }).message)).toMatch(/password authentication failed/);
    expect(logged.join('')).toContain('"message":"backup succeeded"');
    expect(logged.join('')).toContain('"message":"backup failed"');

    // Assess: the password is nowhere
    const bucket = service.environment.STRONGBOX_VAULT_BUCKET as string;
    const objects = await service.clients.s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const stored = await Promise.all(
      (objects.Contents ?? []).map(async ({ Key }) => {
        const response = await fetch(`${service.motoEndpoint}/${bucket}/${Key}`);
        return Buffer.from(await response.arrayBuffer()).toString('latin1');
      }),
    );
    const catalog = await service.clients.dynamodb.send(
      new ScanCommand({ TableName: service.environment.STRONGBOX_TABLE_NAME }),
    );
    for (const [where, text] of [
      ['logs', logged.join('')],
      ['responses', responses.join('\n')],
      ['catalog', JSON.stringify(catalog.Items)],
      ['vault', stored.join('\n')],
    ] as const) {
      expect(text.includes(password), `password found in ${where}`).toBe(false);
    }
    expect(stored.length).toBeGreaterThanOrEqual(2);
  });
});
