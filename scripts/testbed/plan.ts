/**
 * The test bed's decisions, as pure functions: what to do given what the probes found and who we are.
 * The modules next to this one do the I/O (probe, start, stop) and follow these answers.
 */

/** The admin identity every database server of the test bed accepts (superuser / all privileges). */
export const ADMIN = { user: 'strongbox', password: 'strongbox' } as const;
export const HOST = '127.0.0.1';
export const DEFAULT_PORTS = { postgres: 5432, mysql: 3306, motoBase: 5100 } as const;

/** What a probe with the admin credentials found on a port. */
export type ServerProbe =
  | { readonly state: 'accepts' }
  /** A server of the right kind answers but refuses the admin identity (user missing or other password). */
  | { readonly state: 'rejects'; readonly detail: string }
  /** Nothing listens on the port. */
  | { readonly state: 'absent' }
  /** Something listens but does not speak the protocol or does not answer in time. */
  | { readonly state: 'foreign'; readonly detail: string };

export type Action<Extra> = { readonly do: 'use' } | { readonly do: 'fail'; readonly reason: string } | Extra;

export interface PgCluster {
  readonly version: string;
  readonly name: string;
  readonly port: number;
  readonly online: boolean;
}

export type PostgresAction = Action<
  /** Root only: the running server lacks the admin role; create it as the postgres OS user. */
  | { readonly do: 'create-role' }
  /** Root only: start the existing (Debian) cluster configured for this port, then create the role. */
  | { readonly do: 'start-cluster'; readonly cluster: PgCluster }
  /** A private cluster initialised by us; root runs it as the postgres OS user because PostgreSQL refuses root. */
  | { readonly do: 'start-private'; readonly runAs: 'postgres' | 'self'; readonly binDir: string }
>;

export interface PostgresFacts {
  readonly port: number;
  readonly probe: ServerProbe;
  readonly isRoot: boolean;
  readonly clusters: readonly PgCluster[];
  /** Directory of initdb/pg_ctl, when PostgreSQL server binaries are installed. */
  readonly binDir: string | undefined;
}

const pgRoleSql = (port: number) =>
  `psql -h ${HOST} -p ${port} -U postgres -c "CREATE ROLE ${ADMIN.user} LOGIN SUPERUSER PASSWORD '${ADMIN.password}'"`;

export function planPostgres(facts: PostgresFacts): PostgresAction {
  const { port, probe, isRoot } = facts;
  const where = `PostgreSQL on ${HOST}:${port}`;
  switch (probe.state) {
    case 'accepts':
      return { do: 'use' };
    case 'foreign':
      return {
        do: 'fail',
        reason: `port ${port} is taken by something that is not a usable PostgreSQL (${probe.detail}); set STRONGBOX_PG_PORT to a free port`,
      };
    case 'rejects':
      if (isRoot) return { do: 'create-role' };
      return {
        do: 'fail',
        reason: `${where} refuses user ${ADMIN.user} (${probe.detail}). Create the role (${pgRoleSql(port)}) or set STRONGBOX_PG_PORT to a free port for a private server`,
      };
    case 'absent': {
      const cluster = facts.clusters.find((c) => c.port === port);
      if (isRoot && cluster && !cluster.online) return { do: 'start-cluster', cluster };
      if (cluster?.online) {
        return {
          do: 'fail',
          reason: `cluster ${cluster.version}/${cluster.name} is online on port ${port} but does not accept TCP connections on ${HOST}`,
        };
      }
      if (facts.binDir === undefined) {
        return {
          do: 'fail',
          reason:
            'PostgreSQL server binaries (initdb, pg_ctl) are not installed: install postgresql (Debian: apt-get install postgresql)',
        };
      }
      return { do: 'start-private', runAs: isRoot ? 'postgres' : 'self', binDir: facts.binDir };
    }
  }
}

export type MariadbAction = Action<
  /** Root only: the running server lacks the admin users; create them as root over the unix socket. */
  | { readonly do: 'create-users' }
  /** A private server (own datadir, socket and port), the same way for root and non-root. */
  | { readonly do: 'start-private' }
>;

export interface MariadbFacts {
  readonly port: number;
  readonly probe: ServerProbe;
  readonly isRoot: boolean;
  /** mariadbd and mariadb-install-db are present. */
  readonly installed: boolean;
}

export const MARIADB_PACKAGE = 'mariadb-server';

export function planMariadb(facts: MariadbFacts): MariadbAction {
  const { port, probe, isRoot } = facts;
  switch (probe.state) {
    case 'accepts':
      return { do: 'use' };
    case 'foreign':
      return {
        do: 'fail',
        reason: `port ${port} is taken by something that is not a usable MariaDB (${probe.detail}); set STRONGBOX_MYSQL_PORT to a free port`,
      };
    case 'rejects':
      if (isRoot) return { do: 'create-users' };
      return {
        do: 'fail',
        reason: `MariaDB on ${HOST}:${port} refuses user ${ADMIN.user} (${probe.detail}). Create it (mariadb -u root -e "CREATE USER '${ADMIN.user}'@'127.0.0.1' IDENTIFIED BY '${ADMIN.password}'; GRANT ALL PRIVILEGES ON *.* TO '${ADMIN.user}'@'127.0.0.1' WITH GRANT OPTION") or set STRONGBOX_MYSQL_PORT to a free port for a private server`,
      };
    case 'absent':
      if (!facts.installed) {
        return {
          do: 'fail',
          reason: `MariaDB is not installed: install ${MARIADB_PACKAGE} (as root: apt-get install -y ${MARIADB_PACKAGE}), or run the test bed as root once`,
        };
      }
      return { do: 'start-private' };
  }
}

/** Root installs a missing MariaDB; a normal user gets the error from planMariadb when it needs the server. */
export function shouldInstallMariadb(installed: boolean, isRoot: boolean): boolean {
  return !installed && isRoot;
}

/** apt-get install failed because the package lists are missing or stale: worth one `apt-get update`. */
export function aptNeedsUpdate(output: string): boolean {
  return /Unable to locate package|has no installation candidate|Failed to fetch|404\s+Not Found/i.test(output);
}

export type MotoProbe = 'moto' | 'absent' | 'foreign';
export type MotoAction = Action<{ readonly do: 'start' }>;

export function planMoto(port: number, probe: MotoProbe, installed: boolean): MotoAction {
  if (probe === 'moto') return { do: 'use' };
  if (probe === 'foreign') return { do: 'fail', reason: `port ${port} is taken by something that is not moto_server` };
  if (!installed)
    return { do: 'fail', reason: 'moto_server is not on PATH: install moto (pip install "moto[server]==5.2.1")' };
  return { do: 'start' };
}

/** Parses `pg_lsclusters --no-header`: `15 main 5432 online postgres /var/lib/... /var/log/...`. */
export function parseClusters(text: string): PgCluster[] {
  const clusters: PgCluster[] = [];
  for (const line of text.split('\n')) {
    const [version, name, port, status] = line.trim().split(/\s+/);
    if (!version || !name || !port || !status || !/^\d+$/.test(port)) continue;
    clusters.push({ version, name, port: Number(port), online: status.startsWith('online') });
  }
  return clusters;
}

/** The newest installed PostgreSQL major version (directory names under /usr/lib/postgresql). */
export function newestVersion(versions: readonly string[]): string | undefined {
  const numeric = versions.filter((v) => /^\d+(\.\d+)?$/.test(v));
  return numeric.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))[0];
}

export function parsePort(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new Error(`${name} must be a TCP port (1-65535), got "${value}"`);
  return port;
}

export interface TestbedPorts {
  readonly postgres: number;
  readonly mysql: number;
}

export function resolvePorts(
  env: Readonly<Record<string, string | undefined>>,
  overrides: Partial<TestbedPorts> = {},
): TestbedPorts {
  return {
    postgres: overrides.postgres ?? parsePort(env.STRONGBOX_PG_PORT, 'STRONGBOX_PG_PORT', DEFAULT_PORTS.postgres),
    mysql: overrides.mysql ?? parsePort(env.STRONGBOX_MYSQL_PORT, 'STRONGBOX_MYSQL_PORT', DEFAULT_PORTS.mysql),
  };
}

/** Moto ports for workers 1..workers (VITEST_POOL_ID is 1-based): base+1 … base+workers. */
export function motoPortsFor(base: number, workers: number): number[] {
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`need at least one worker, got ${workers}`);
  const ports = Array.from({ length: workers }, (_, i) => base + i + 1);
  const last = ports.at(-1) ?? base;
  if (base < 1 || last > 65_535) throw new Error(`moto ports ${base + 1}-${last} are outside 1-65535`);
  return ports;
}

/** Projects whose tests never touch the test bed; any other project (including new ones) gets it started. */
export const PROJECTS_WITHOUT_TESTBED: readonly string[] = ['unit', 'infra'];

/**
 * Whether a vitest run needs the test bed, from the projects that own the files it runs. `fileProjects` is one
 * entry per selected file listing the projects that match it; undefined when vitest did not tell us the files.
 */
export function runNeedsTestbed(
  selectedProjects: readonly string[],
  fileProjects?: readonly (readonly string[])[],
): boolean {
  const needs = (name: string) => !PROJECTS_WITHOUT_TESTBED.includes(name);
  if (fileProjects === undefined || fileProjects.length === 0) return selectedProjects.some(needs);
  return fileProjects.some((projects) => projects.some(needs));
}

export function quotePgIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteSqlString(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/** Creates or repairs the PostgreSQL admin role; safe to run again. */
export function pgEnsureRoleSql(user: string, password: string): string {
  const literalName = `'${user.replaceAll("'", "''")}'`;
  const literalPassword = `'${password.replaceAll("'", "''")}'`;
  return [
    `DO $testbed$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${literalName}) THEN CREATE ROLE ${quotePgIdent(user)}; END IF; END $testbed$;`,
    `ALTER ROLE ${quotePgIdent(user)} WITH LOGIN SUPERUSER PASSWORD ${literalPassword};`,
  ].join('\n');
}

/** Hosts the MariaDB admin user is created for: TCP on the loopback address and the local socket. */
export const MARIADB_ADMIN_HOSTS = ['127.0.0.1', 'localhost'] as const;

/** Creates or repairs the MariaDB admin users; safe to run again. */
export function mariadbEnsureUsersSql(user: string, password: string): string {
  return MARIADB_ADMIN_HOSTS.flatMap((host) => {
    const account = `${quoteSqlString(user)}@${quoteSqlString(host)}`;
    return [
      `CREATE USER IF NOT EXISTS ${account} IDENTIFIED BY ${quoteSqlString(password)};`,
      `ALTER USER ${account} IDENTIFIED BY ${quoteSqlString(password)};`,
      `GRANT ALL PRIVILEGES ON *.* TO ${account} WITH GRANT OPTION;`,
    ];
  }).join('\n');
}

/** Unix socket paths are limited to 107 bytes; long checkout paths fall back to a short directory. */
export const MAX_SOCKET_PATH = 100;

export function chooseSocketDir(preferred: string, fallback: string, socketFile: string): string {
  return `${preferred}/${socketFile}`.length <= MAX_SOCKET_PATH ? preferred : fallback;
}

/**
 * Whether another OS user (postgres) can reach a directory: every ancestor needs the others' execute bit,
 * given the mode of each ancestor from the root down.
 */
export function traversableByOthers(ancestorModes: readonly number[]): boolean {
  return ancestorModes.every((mode) => (mode & 0o001) !== 0);
}
