import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MysqlDumpWriter } from '../../lambdas/adapters/dumps/mysql-writer';
import { PostgresDumpWriter } from '../../lambdas/adapters/dumps/postgres-writer';
import { MIB } from '../../lambdas/domain/part-size';
import type { DumpResult } from '../../lambdas/ports/databases';
import {
  createMysqlDatabase,
  createPostgresDatabase,
  resetMoto,
  type TestDatabase,
  withMysql,
  withPostgres,
} from '../support/testbed';
import { type VaultFixture, vaultFixture } from './dump-helpers';

const PART = 5 * MIB;

/** A password with everything the credentials file formats must escape, unique to this run. */
const PASSWORD = ` p:a\\ss"w'o#r;d ${randomBytes(6).toString('hex')} `;
const ROLE = `sb_r16_${randomBytes(4).toString('hex')}`;

interface ToolProcess {
  readonly pid: number;
  readonly argv: string[];
  readonly environ: string[];
}

/** Finds a running process whose argv contains `marker`, and reads its argv and environment from /proc. */
async function findProcess(marker: string, timeoutMs = 15_000): Promise<ToolProcess> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
      try {
        const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0').filter(Boolean);
        if (!argv.includes(marker)) continue;
        const environ = (await readFile(`/proc/${entry}/environ`, 'utf8')).split('\0').filter(Boolean);
        return { pid: Number(entry), argv, environ };
      } catch {
        // the process ended while we looked
      }
    }
    if (Date.now() > deadline) throw new Error(`no process with ${marker} in its argv`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function mode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

describe('dump tools never see the password in argv or environment (R16)', () => {
  let f: VaultFixture;
  let pgDb: TestDatabase;
  let myDb: TestDatabase;

  beforeAll(async () => {
    pgDb = await createPostgresDatabase('sbr16');
    await withPostgres(pgDb.name, async (client) => {
      await client.query('create table t (id int); insert into t select generate_series(1, 10)');
      await client.query(`create role ${ROLE} login password ${client.escapeLiteral(PASSWORD)}`);
      await client.query(`grant pg_read_all_data to ${ROLE}`);
    });
    myDb = await createMysqlDatabase('sbr16');
    await withMysql(myDb.name, async (conn) => {
      await conn.query('create table t (id int); insert into t values (1), (2), (3)');
      for (const host of ['%', 'localhost']) {
        await conn.query('create user ?@? identified by ?', [ROLE, host, PASSWORD]);
        await conn.query(`grant select, show view, trigger, event, lock tables on \`${myDb.name}\`.* to ?@?`, [
          ROLE,
          host,
        ]);
      }
    });
  });

  afterAll(async () => {
    await pgDb?.drop();
    await withPostgres('postgres', (client) => client.query(`drop role if exists ${ROLE}`));
    await myDb?.drop();
    await withMysql(undefined, async (conn) => {
      for (const host of ['%', 'localhost']) await conn.query('drop user if exists ?@?', [ROLE, host]);
    });
  });

  beforeEach(async () => {
    await resetMoto();
    f = await vaultFixture();
  });

  it('pg_dump gets the password from a 0600 PGPASSFILE that is gone afterwards, never from argv or env', async () => {
    // Prepare: hold a lock so pg_dump waits, running, while we look at it
    const writer = new PostgresDumpWriter({ vault: f.vault });
    const connection = { ...pgDb.connection, username: ROLE, password: PASSWORD };
    let result: Promise<DumpResult> | undefined;
    const seen = await withPostgres(pgDb.name, async (client) => {
      await client.query('begin; lock table t in access exclusive mode');
      result = writer.write({ connection, key: 'tenants/acme/r16.dump.zst', partSize: PART });
      result.catch(() => undefined);

      // Act
      const tool = await findProcess(`--dbname=${pgDb.name}`);
      const passfile = tool.environ.find((v) => v.startsWith('PGPASSFILE='))?.slice('PGPASSFILE='.length) ?? '';
      const modes = { file: await mode(passfile), dir: await mode(dirname(passfile)) };
      await client.query('commit');
      return { tool, passfile, modes };
    });
    const dumped = await (result as Promise<DumpResult>);

    // Assess
    const secretFragment = PASSWORD.trim().slice(0, 8);
    expect(seen.tool.argv.join(' ')).not.toContain(secretFragment);
    expect(seen.tool.environ.join('\n')).not.toContain(secretFragment);
    // Debian's pg_wrapper (/usr/bin/pg_dump) adds PGSYSCONFDIR before it execs the real pg_dump.
    const names = seen.tool.environ.map((v) => v.split('=')[0]).filter((name) => name !== 'PGSYSCONFDIR');
    expect(names.sort()).toEqual(['LANG', 'LC_ALL', 'PATH', 'PGAPPNAME', 'PGCONNECT_TIMEOUT', 'PGPASSFILE']);
    expect(seen.modes).toEqual({ file: 0o600, dir: 0o700 });
    // The escaped password really authenticated the dump, and the file went away with it.
    expect(dumped.tables).toEqual([{ schema: 'public', name: 't', rows: 10 }]);
    await expect(stat(dirname(seen.passfile))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('mariadb-dump gets the password from a 0600 option file given first, never from argv or env', async () => {
    // Prepare: a WRITE lock makes the dump wait, running, while we look at it
    const writer = new MysqlDumpWriter({ vault: f.vault });
    const connection = { ...myDb.connection, username: ROLE, password: PASSWORD };
    let result: Promise<DumpResult> | undefined;
    const seen = await withMysql(myDb.name, async (conn) => {
      await conn.query('lock tables t write');
      result = writer.write({ connection, key: 'tenants/acme/r16.sql.zst', partSize: PART });
      result.catch(() => undefined);

      // Act
      const tool = await findProcess(myDb.name);
      const optionFile = tool.argv[1]?.replace('--defaults-extra-file=', '') ?? '';
      const modes = { file: await mode(optionFile), dir: await mode(dirname(optionFile)) };
      await conn.query('unlock tables');
      return { tool, optionFile, modes };
    });
    const dumped = await (result as Promise<DumpResult>);

    // Assess
    const secretFragment = PASSWORD.trim().slice(0, 8);
    expect(seen.tool.argv[1]).toMatch(/^--defaults-extra-file=\//);
    expect(seen.tool.argv.join(' ')).not.toContain(secretFragment);
    expect(seen.tool.environ.join('\n')).not.toContain(secretFragment);
    expect(seen.tool.environ.map((v) => v.split('=')[0]).sort()).toEqual(['LANG', 'LC_ALL', 'PATH']);
    expect(seen.modes).toEqual({ file: 0o600, dir: 0o700 });
    expect(dumped.tables).toEqual([{ name: 't', rows: 3 }]);
    await expect(stat(dirname(seen.optionFile))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a password with a line break, which no credentials file can carry, before starting anything', async () => {
    // Prepare
    const writer = new PostgresDumpWriter({ vault: f.vault });

    // Act
    const write = writer.write({
      connection: { ...pgDb.connection, password: 'first line\nsecond line' },
      key: 'tenants/acme/x',
      partSize: PART,
    });

    // Assess
    await expect(write).rejects.toMatchObject({ name: 'ValidationError', fields: [{ path: 'password' }] });
    await expect(write).rejects.not.toThrow(/second line/);
  });
});
