import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestbed, type Testbed } from '../../scripts/testbed/index';
import { portOpen } from '../../scripts/testbed/proc';
import { testbedInfo } from '../support/testbed';

/** The test bed itself, on ports nothing else uses and a state directory of its own. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-testbed-'));
  // As root, a private PostgreSQL runs as the postgres user, which must reach its directory.
  chmodSync(dir, 0o755);
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function start(options: Parameters<typeof startTestbed>[0]): Promise<Testbed> {
  const testbed = await startTestbed({ log: () => undefined, ...options });
  cleanups.push(() => testbed.stop());
  return testbed;
}

async function motoAnswers(endpoint: string): Promise<boolean> {
  return fetch(`${endpoint}/moto-api/`).then(
    (r) => r.ok,
    () => false,
  );
}

describe('test bed', () => {
  it('starts only what is missing and stops only what it started', async () => {
    // Prepare
    const { postgres, mysql: maria } = testbedInfo();
    const motoPort = await freePort();

    // Act
    const testbed = await start({
      motoPorts: [motoPort],
      postgresPort: postgres.port,
      mysqlPort: maria.port,
      stateDir: stateDir(),
    });
    const answeredWhileUp = await motoAnswers(testbed.info.moto[0]?.endpoint ?? '');
    await testbed.stop();

    // Assess
    expect(testbed.started).toEqual([`moto:${motoPort}`]);
    expect(answeredWhileUp).toBe(true);
    expect(await portOpen(motoPort)).toBe(false);
    expect(await portOpen(postgres.port)).toBe(true);
    expect(await portOpen(maria.port)).toBe(true);
  });

  it('starts private PostgreSQL and MariaDB servers with an admin when nothing runs on their ports', async () => {
    // Prepare
    const [motoPort, pgPort, myPort] = [await freePort(), await freePort(), await freePort()];
    const options = { motoPorts: [motoPort], postgresPort: pgPort, mysqlPort: myPort, stateDir: stateDir() };

    // Act
    const first = await start(options);
    const second = await start(options);
    const { postgres, mysql: maria } = first.info;
    const pgClient = new pg.Client({ ...postgres, database: 'postgres' });
    await pgClient.connect();
    const pgAdmin = await pgClient.query('select rolsuper from pg_roles where rolname = current_user');
    await pgClient.query('create database sbtest_testbed');
    await pgClient.end();
    const conn = await mysql.createConnection({ ...maria });
    await conn.query('create database sbtest_testbed');
    const [databases] = await conn.query("show databases like 'sbtest_testbed'");
    await conn.end();
    await second.stop();
    const upWhileFirstHoldsThem = await Promise.all([portOpen(pgPort), portOpen(myPort), portOpen(motoPort)]);
    await first.stop();

    // Assess
    expect(first.started.toSorted()).toEqual([`mariadb:${myPort}`, `moto:${motoPort}`, `postgres:${pgPort}`]);
    expect(second.started).toEqual([]);
    expect(pgAdmin.rows[0]?.rolsuper).toBe(true);
    expect(databases).toHaveLength(1);
    expect(upWhileFirstHoldsThem).toEqual([true, true, true]);
    expect(await Promise.all([portOpen(pgPort), portOpen(myPort), portOpen(motoPort)])).toEqual([false, false, false]);
  });

  it('stops what it started when another part of the start fails', async () => {
    // Prepare
    const { postgres } = testbedInfo();
    const motoPort = await freePort();
    const notMariadb = createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await new Promise<void>((resolve) => notMariadb.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => notMariadb.close(() => resolve())));
    const mysqlPort = (notMariadb.address() as { port: number }).port;

    // Act
    const attempt = start({ motoPorts: [motoPort], postgresPort: postgres.port, mysqlPort, stateDir: stateDir() });

    // Assess
    await expect(attempt).rejects.toThrow(
      new RegExp(`port ${mysqlPort} is taken by something that is not a usable MariaDB`),
    );
    expect(await portOpen(motoPort)).toBe(false);
  });

  it('starts each server once when two test beds start at the same time', async () => {
    // Prepare
    const { postgres, mysql: maria } = testbedInfo();
    const motoPort = await freePort();
    const options = { motoPorts: [motoPort], postgresPort: postgres.port, mysqlPort: maria.port, stateDir: stateDir() };

    // Act
    const [a, b] = await Promise.all([start(options), start(options)]);
    const bothAnswer =
      (await motoAnswers(a.info.moto[0]?.endpoint ?? '')) && (await motoAnswers(b.info.moto[0]?.endpoint ?? ''));
    await Promise.all([a.stop(), b.stop()]);

    // Assess
    expect([...a.started, ...b.started]).toEqual([`moto:${motoPort}`]);
    expect(bothAnswer).toBe(true);
    expect(await portOpen(motoPort)).toBe(false);
  });

  it('gives a second live test run moto_servers of its own', async () => {
    // Prepare
    const { postgres, mysql: maria } = testbedInfo();
    const motoPort = await freePort();
    const options = {
      motoPorts: [motoPort],
      postgresPort: postgres.port,
      mysqlPort: maria.port,
      stateDir: stateDir(),
      exclusiveMoto: true,
    };

    // Act
    const first = await start(options);
    const second = await start(options);

    // Assess
    const [firstMoto, secondMoto] = [first.info.moto[0], second.info.moto[0]];
    expect(firstMoto?.port).toBe(motoPort);
    expect(secondMoto?.port).not.toBe(motoPort);
    expect(second.started).toEqual([`moto:${secondMoto?.port}`]);
    expect(await motoAnswers(secondMoto?.endpoint ?? '')).toBe(true);
  });
});
