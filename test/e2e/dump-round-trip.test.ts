import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalService } from '../../scripts/local/service';
import { compareMysql, comparePostgres } from '../support/compare';
import { loadMysqlFixture, loadPostgresFixture } from '../support/fixtures';
import { type Api, apiAs, sourceBodyFor, startTestService } from '../support/local-service';
import {
  createMysqlDatabase,
  createPostgresDatabase,
  mysqlConnection,
  postgresConnection,
  type TestDatabase,
  testbedInfo,
  withMysql,
  withPostgres,
} from '../support/testbed';

let service: LocalService;
let acme: Api;
let globex: Api;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  service = await startTestService();
  acme = apiAs(service, 'acme');
  globex = apiAs(service, 'globex');
});

afterAll(async () => {
  for (const drop of cleanup.reverse()) await drop().catch(() => undefined);
  await service?.stop();
});

async function registered(db: TestDatabase): Promise<string> {
  const created = await acme.post('/v1/sources', sourceBodyFor(db));
  expect(created.status).toBe(201);
  expect(created.body).not.toHaveProperty('password');
  expect(created.body).not.toHaveProperty('secretRef');
  return created.body.id as string;
}

async function backedUp(sourceId: string): Promise<Record<string, unknown>> {
  const requested = await acme.post('/v1/backups', { sourceId });
  expect(requested.status).toBe(202);
  expect(requested.body.status).toBe('pending');
  await service.idle();
  const backup = await acme.get(`/v1/backups/${requested.body.id}`);
  expect(backup.body).toMatchObject({ status: 'succeeded', compression: 'zstd', error: null });
  return backup.body;
}

async function restored(backupId: string, database: string): Promise<Record<string, unknown>> {
  const requested = await acme.post('/v1/restores', { backupId, target: { database } });
  expect(requested.status).toBe(202);
  await service.idle();
  return (await acme.get(`/v1/restores/${requested.body.id}`)).body;
}

/** Downloads through the pre-signed URL, checks the SHA-256, and returns the file. */
async function downloaded(backupId: string): Promise<string> {
  const link = await acme.get(`/v1/backups/${backupId}/download`);
  expect(link.status).toBe(200);
  const expiresIn = Date.parse(link.body.expiresAt as string) - Date.now();
  expect(expiresIn).toBeLessThanOrEqual(900_000);
  expect(expiresIn).toBeGreaterThan(800_000);
  const response = await fetch(link.body.url as string);
  expect(response.status).toBe(200);
  const bytes = Buffer.from(await response.arrayBuffer());
  expect(bytes.length).toBe(link.body.bytes);
  expect(createHash('sha256').update(bytes).digest('hex')).toBe(link.body.sha256);
  const file = join(mkdtempSync(join(tmpdir(), 'strongbox-download-')), link.body.fileName as string);
  writeFileSync(file, bytes);
  return file;
}

function shell(script: string, env: Record<string, string>): void {
  const result = spawnSync('bash', ['-o', 'pipefail', '-c', script], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`${script} failed: ${result.stderr}`);
}

describe('a tenant backs up, downloads and restores a PostgreSQL database', () => {
  it('round-trips every kind of data through the vault, the download and the restore machine', async () => {
    // Prepare
    const source = await createPostgresDatabase('e2e_pg');
    cleanup.push(source.drop);
    await loadPostgresFixture(source.connection);
    const sourceId = await registered(source);

    // Act: back up
    const backup = await backedUp(sourceId);

    // Assess: listed, counted, not visible to another tenant
    const listed = await acme.get<{ items: { id: string }[] }>(`/v1/backups?sourceId=${sourceId}`);
    expect(listed.body.items.map((item) => item.id)).toEqual([backup.id]);
    expect((backup.manifest as { rows: number }).rows).toBeGreaterThan(0);
    expect((await globex.get(`/v1/backups/${backup.id}`)).status).toBe(404);
    expect((await globex.get(`/v1/backups/${backup.id}/download`)).status).toBe(404);

    // Act / Assess: the download restores with stock tools
    const file = await downloaded(backup.id as string);
    const byHand = await createPostgresDatabase('e2e_pg_by_hand');
    cleanup.push(byHand.drop);
    const server = testbedInfo().postgres;
    shell(
      `zstd -dc "${file}" | pg_restore --no-owner --exit-on-error -h ${server.host} -p ${server.port} -U ${server.user} -d ${byHand.name}`,
      {
        PGPASSWORD: server.password,
      },
    );
    expect((await comparePostgres(source.connection, byHand.connection)).differences).toEqual([]);

    // Act / Assess: the restore machine makes a new database equal to the source
    const target = `${source.name}_restored`;
    cleanup.push(() =>
      withPostgres('postgres', (c) => c.query(`DROP DATABASE IF EXISTS "${target}" WITH (FORCE)`)).then(
        () => undefined,
      ),
    );
    const restore = await restored(backup.id as string, target);
    expect(restore).toMatchObject({
      status: 'succeeded',
      error: null,
      target: { sourceId, database: target, replaceExisting: false },
    });
    expect(restore.restoredRows).toBe((backup.manifest as { rows: number }).rows);
    expect((await comparePostgres(source.connection, postgresConnection(target))).differences).toEqual([]);
  });
});

describe('a tenant backs up, downloads and restores a MariaDB database', () => {
  it('round-trips every kind of data through the vault, the download and the restore machine', async () => {
    // Prepare
    const source = await createMysqlDatabase('e2e_my');
    cleanup.push(source.drop);
    await loadMysqlFixture(source.connection);
    const sourceId = await registered(source);

    // Act
    const backup = await backedUp(sourceId);
    const file = await downloaded(backup.id as string);
    const byHand = await createMysqlDatabase('e2e_my_by_hand');
    cleanup.push(byHand.drop);
    const server = testbedInfo().mysql;
    shell(`zstd -dc "${file}" | mariadb -h ${server.host} -P ${server.port} -u ${server.user} ${byHand.name}`, {
      MYSQL_PWD: server.password,
    });
    const target = `${source.name}_restored`;
    cleanup.push(() =>
      withMysql(undefined, (c) => c.query(`DROP DATABASE IF EXISTS \`${target}\``)).then(() => undefined),
    );
    const restore = await restored(backup.id as string, target);

    // Assess
    expect((await compareMysql(source.connection, byHand.connection)).differences).toEqual([]);
    expect(restore).toMatchObject({ status: 'succeeded', error: null });
    expect((await compareMysql(source.connection, mysqlConnection(target))).differences).toEqual([]);
  });
});
