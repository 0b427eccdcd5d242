import { createHash } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import type { StopRecipe } from './ownership';
import {
  ADMIN,
  chooseSocketDir,
  HOST,
  newestVersion,
  type PgCluster,
  parseClusters,
  pgEnsureRoleSql,
  type ServerProbe,
  traversableByOthers,
} from './plan';
import { findExecutable, run, runOk, sleep, TestbedError, waitFor } from './proc';
import { ensureDir } from './state';

async function probeOnce(port: number): Promise<ServerProbe & { starting?: boolean }> {
  const client = new pg.Client({
    host: HOST,
    port,
    user: ADMIN.user,
    password: ADMIN.password,
    database: 'postgres',
    connectionTimeoutMillis: 3_000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return { state: 'accepts' };
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    if (code === 'ECONNREFUSED') return { state: 'absent' };
    // 28P01 wrong password, 28000 no such role / no pg_hba entry, 3D000 no database "postgres"
    if (code === '28P01' || code === '28000' || code === '3D000') return { state: 'rejects', detail: message };
    if (code === '57P03') return { state: 'rejects', detail: message, starting: true };
    return { state: 'foreign', detail: message };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Connects with the admin credentials and reports what answered; a server still starting up is waited for. */
export async function probePostgres(port: number): Promise<ServerProbe> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { starting, ...probe } = await probeOnce(port);
    if (!starting || Date.now() > deadline) return probe;
    await sleep(250);
  }
}

export async function listClusters(): Promise<PgCluster[]> {
  if (findExecutable(['pg_lsclusters']) === undefined) return [];
  const result = await run('pg_lsclusters', ['--no-header']);
  return result.code === 0 ? parseClusters(result.output) : [];
}

/** Server binaries of the newest PostgreSQL installed the Debian way, else initdb found on PATH. */
export function findBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  const newest = newestVersion(versions);
  if (newest !== undefined) return join(root, newest, 'bin');
  const initdb = findExecutable(['initdb']);
  return initdb === undefined ? undefined : dirname(initdb);
}

/** As root: creates (or repairs) the admin role through the postgres OS user's peer authentication. */
export async function createRole(port: number): Promise<void> {
  const psql = findExecutable(['psql']) ?? 'psql';
  await runOk(psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-p', String(port), '-d', 'postgres', '-f', '-'], {
    runAs: 'postgres',
    input: pgEnsureRoleSql(ADMIN.user, ADMIN.password),
  });
}

async function waitAccepting(port: number, what: string): Promise<void> {
  await waitFor(what, async () => (await probePostgres(port)).state === 'accepts', { timeoutMs: 60_000 });
}

/** As root: starts an existing Debian cluster and makes sure the admin role exists. */
export async function startCluster(cluster: PgCluster, port: number, logDir: string): Promise<StopRecipe> {
  await runOk('pg_ctlcluster', [cluster.version, cluster.name, 'start'], {
    logFile: join(logDir, `pg_ctlcluster-${cluster.version}-${cluster.name}.log`),
  });
  await waitFor(
    `cluster ${cluster.version}/${cluster.name}`,
    async () => (await probePostgres(port)).state !== 'absent',
  );
  await createRole(port);
  await waitAccepting(port, `PostgreSQL ${cluster.version}/${cluster.name} with role ${ADMIN.user}`);
  return { how: 'pg_ctlcluster', version: cluster.version, cluster: cluster.name };
}

function ancestorModes(dir: string): number[] {
  const modes: number[] = [];
  for (let current = dir; ; current = dirname(current)) {
    modes.push(statSync(current).mode);
    if (dirname(current) === current) return modes.reverse();
  }
}

/**
 * Where a private cluster lives. Root runs it as the postgres OS user, which must reach the directory; a
 * checkout under /root (mode 700) is not reachable, so root falls back to a directory under the system tmpdir,
 * named after the state directory so that two checkouts never share a cluster.
 */
export function privateClusterDir(stateDir: string, port: number, runAs: 'postgres' | 'self'): string {
  if (runAs === 'self' || traversableByOthers(ancestorModes(ensureDir(stateDir)))) {
    return join(stateDir, `postgres-${port}`);
  }
  const tag = createHash('sha256').update(stateDir).digest('hex').slice(0, 12);
  return join(tmpdir(), `strongbox-testbed-${tag}`, `postgres-${port}`);
}

function osUser(name: string): { uid: number; gid: number } {
  const passwd = existsSync('/etc/passwd') ? readFileSync('/etc/passwd', 'utf8').split('\n') : [];
  const [, , uid, gid] = passwd.find((line) => line.startsWith(`${name}:`))?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new TestbedError(`OS user ${name} does not exist`);
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * A private cluster: initdb once (scram auth, admin superuser from a password file), its own port and unix
 * socket directory, listening on 127.0.0.1 only. Settings go into postgresql.conf rather than pg_ctl -o, which
 * passes them through a shell.
 */
export async function startPrivate(
  stateDir: string,
  port: number,
  runAs: 'postgres' | 'self',
  binDir: string,
  logDir: string,
): Promise<StopRecipe> {
  const home = privateClusterDir(stateDir, port, runAs);
  const dataDir = join(home, 'data');
  const socketDir = chooseSocketDir(
    home,
    join(tmpdir(), `strongbox-pg-${process.getuid?.() ?? 0}-${port}`),
    `.s.PGSQL.${port}`,
  );
  const user = runAs === 'postgres' ? 'postgres' : undefined;
  const owner = user === undefined ? undefined : osUser(user);
  for (const dir of [home, socketDir]) {
    ensureDir(dir);
    if (owner) chownSync(dir, owner.uid, owner.gid);
  }
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    rmSync(dataDir, { recursive: true, force: true });
    const passwordFile = join(home, 'admin-password');
    writeFileSync(passwordFile, `${ADMIN.password}\n`, { mode: 0o600 });
    if (owner) chownSync(passwordFile, owner.uid, owner.gid);
    try {
      await runOk(
        join(binDir, 'initdb'),
        [
          '-D',
          dataDir,
          '-U',
          ADMIN.user,
          `--pwfile=${passwordFile}`,
          '--auth=scram-sha-256',
          '-E',
          'UTF8',
          '--locale=C.UTF-8',
        ],
        { runAs: user, logFile: join(logDir, `initdb-${port}.log`) },
      );
    } finally {
      rmSync(passwordFile, { force: true });
    }
    const settings = [
      '',
      '# strongbox test bed',
      `port = ${port}`,
      `listen_addresses = '${HOST}'`,
      `unix_socket_directories = '${socketDir.replaceAll("'", "''")}'`,
      'fsync = off',
      'max_connections = 200',
      '',
    ];
    appendFileSync(join(dataDir, 'postgresql.conf'), settings.join('\n'));
  }
  chmodSync(dataDir, 0o700);
  const logFile = join(home, 'server.log');
  await runOk(join(binDir, 'pg_ctl'), ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '60'], {
    runAs: user,
    logFile: join(logDir, `pg_ctl-${port}.log`),
  });
  await waitAccepting(port, `private PostgreSQL on ${HOST}:${port}`);
  return { how: 'pg_ctl', binDir, dataDir, ...(user === undefined ? {} : { runAs: user }) };
}

export async function stopPostgres(recipe: StopRecipe, logDir: string): Promise<void> {
  if (recipe.how === 'pg_ctlcluster') {
    await runOk('pg_ctlcluster', [recipe.version, recipe.cluster, 'stop', '-m', 'fast'], {
      logFile: join(logDir, `pg_ctlcluster-${recipe.version}-${recipe.cluster}.log`),
    });
  } else if (recipe.how === 'pg_ctl') {
    const status = await run(join(recipe.binDir, 'pg_ctl'), ['status', '-D', recipe.dataDir], { runAs: recipe.runAs });
    if (status.code !== 0) return;
    await runOk(join(recipe.binDir, 'pg_ctl'), ['stop', '-D', recipe.dataDir, '-m', 'fast', '-w', '-t', '60'], {
      runAs: recipe.runAs,
      logFile: join(logDir, 'pg_ctl-stop.log'),
    });
  }
}
