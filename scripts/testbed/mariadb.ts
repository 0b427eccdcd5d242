import { existsSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { basename, join } from 'node:path';
import mysql from 'mysql2/promise';
import type { StopRecipe } from './ownership';
import {
  ADMIN,
  aptNeedsUpdate,
  chooseSocketDir,
  HOST,
  MARIADB_PACKAGE,
  mariadbEnsureUsersSql,
  type ServerProbe,
} from './plan';
import { findExecutable, readTail, run, runOk, spawnDaemon, TestbedError, terminate, waitFor } from './proc';
import { ensureDir } from './state';

/** A normal user's PATH often lacks /usr/sbin, where Debian puts the server. */
const SERVER_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/bin', '/usr/local/bin'];

export interface MariadbBinaries {
  readonly server: string;
  readonly installDb: string;
  readonly client: string;
}

export function findMariadb(): MariadbBinaries | undefined {
  const server = findExecutable(['mariadbd', 'mysqld'], SERVER_DIRS);
  const installDb = findExecutable(['mariadb-install-db', 'mysql_install_db'], SERVER_DIRS);
  const client = findExecutable(['mariadb', 'mysql'], SERVER_DIRS);
  return server && installDb && client ? { server, installDb, client } : undefined;
}

/** As root: installs Debian's mariadb-server; refreshes the package lists only when the install needs it. */
export async function installMariadb(logDir: string): Promise<void> {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const logFile = join(logDir, 'apt-get.log');
  const install = () =>
    run('apt-get', ['install', '-y', '-q', '--no-install-recommends', MARIADB_PACKAGE], { env, logFile });
  let result = await install();
  if (result.code !== 0 && aptNeedsUpdate(result.output)) {
    await runOk('apt-get', ['update', '-q'], { env, logFile });
    result = await install();
  }
  if (result.code !== 0)
    throw new TestbedError(`apt-get install ${MARIADB_PACKAGE} failed (log ${logFile}):\n${result.output}`);
  if (findMariadb() === undefined) throw new TestbedError(`${MARIADB_PACKAGE} installed, but mariadbd was not found`);
}

export async function probeMariadb(port: number): Promise<ServerProbe> {
  try {
    const conn = await mysql.createConnection({
      host: HOST,
      port,
      user: ADMIN.user,
      password: ADMIN.password,
      connectTimeout: 3_000,
    });
    await conn.query('select 1');
    await conn.end();
    return { state: 'accepts' };
  } catch (error) {
    const { code, sqlState, message } = error as { code?: string; sqlState?: string; message: string };
    if (code === 'ECONNREFUSED') return { state: 'absent' };
    // 28000: access denied in all its forms (no such user, wrong or missing password); 1130: host not allowed.
    if (sqlState === '28000' || code === 'ER_HOST_NOT_PRIVILEGED' || code === 'ER_NOT_SUPPORTED_AUTH_MODE') {
      return { state: 'rejects', detail: message };
    }
    return { state: 'foreign', detail: message };
  }
}

/**
 * As root, for a server we did not start: creates the admin users through the default unix socket, where root
 * logs in by unix_socket authentication. It first checks that the socket's server is the one on our port.
 */
export async function createUsersAsRoot(port: number): Promise<void> {
  const client = findMariadb()?.client ?? 'mariadb';
  const found = (await runOk(client, ['--protocol=socket', '-u', 'root', '-N', '-B', '-e', 'SELECT @@port'])).trim();
  if (found !== String(port)) {
    throw new TestbedError(
      `the MariaDB on the default socket listens on port ${found}, not ${port}; create user ${ADMIN.user} by hand`,
    );
  }
  await runOk(client, ['--protocol=socket', '-u', 'root'], {
    input: mariadbEnsureUsersSql(ADMIN.user, ADMIN.password),
  });
}

/**
 * A private server for root and normal users alike: its own datadir (mariadb-install-db once), socket, pid file
 * and port, bound to 127.0.0.1, no my.cnf (--no-defaults), so it neither needs nor touches the system service.
 * The OS user that runs it logs in over the private socket by unix_socket authentication to create the admin users.
 */
export async function startPrivate(stateDir: string, port: number, logDir: string): Promise<StopRecipe> {
  const binaries = findMariadb();
  if (binaries === undefined) throw new TestbedError(`MariaDB is not installed: install ${MARIADB_PACKAGE}`);
  const home = ensureDir(join(stateDir, `mariadb-${port}`));
  const dataDir = join(home, 'data');
  const osUser = userInfo().username;
  const socketDir = ensureDir(
    chooseSocketDir(home, join(tmpdir(), `strongbox-mariadb-${process.getuid?.() ?? 0}-${port}`), 'mysqld.sock'),
  );
  const socket = join(socketDir, 'mysqld.sock');
  if (!existsSync(join(dataDir, 'mysql'))) {
    rmSync(dataDir, { recursive: true, force: true });
    await runOk(binaries.installDb, ['--no-defaults', `--datadir=${dataDir}`, `--user=${osUser}`, '--skip-test-db'], {
      logFile: join(logDir, `mariadb-install-db-${port}.log`),
    });
  }
  const errorLog = join(home, 'server.log');
  const daemon = spawnDaemon(
    binaries.server,
    [
      '--no-defaults',
      `--datadir=${dataDir}`,
      `--socket=${socket}`,
      `--port=${port}`,
      `--bind-address=${HOST}`,
      `--pid-file=${join(home, 'mariadbd.pid')}`,
      `--log-error=${errorLog}`,
      // TCP clients then match only '...'@'127.0.0.1' accounts: the socket-only root cannot be reached over TCP.
      '--skip-name-resolve',
      '--character-set-server=utf8mb4',
      '--collation-server=utf8mb4_general_ci',
      ...(osUser === 'root' ? ['--user=root'] : []),
    ],
    join(logDir, `mariadbd-${port}.log`),
  );
  const giveUp = () => (daemon.exited() ? `mariadbd exited; log ${errorLog}:\n${readTail(errorLog)}` : undefined);
  try {
    await waitFor(
      `private MariaDB on ${HOST}:${port}`,
      async () => ['accepts', 'rejects'].includes((await probeMariadb(port)).state),
      {
        timeoutMs: 90_000,
        intervalMs: 250,
        giveUp,
      },
    );
    // The admin users live in the datadir: only its first start (or a damaged one) needs them created.
    if ((await probeMariadb(port)).state !== 'accepts') {
      const bootstrap = await run(binaries.client, ['--no-defaults', `--socket=${socket}`, '-u', osUser], {
        input: mariadbEnsureUsersSql(ADMIN.user, ADMIN.password),
      });
      if (bootstrap.code !== 0) {
        throw new TestbedError(
          `could not create the admin users in ${dataDir} as ${osUser} over ${socket} (was it initialised by another OS user? remove it to start afresh):\n${bootstrap.output}`,
        );
      }
    }
    const after = await probeMariadb(port);
    if (after.state !== 'accepts')
      throw new TestbedError(`private MariaDB on ${HOST}:${port} refuses ${ADMIN.user}: ${JSON.stringify(after)}`);
  } catch (error) {
    await terminate(daemon.pid, true, 30_000);
    throw error;
  }
  return { how: 'signal', pid: daemon.pid, group: true, match: basename(binaries.server) };
}
