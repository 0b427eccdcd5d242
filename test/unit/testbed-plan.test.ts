import { describe, expect, it } from 'vitest';
import {
  claimServer,
  EMPTY_STATE,
  type Lease,
  motoPortBlock,
  motoPortFreeForRun,
  parseState,
  planCliStop,
  type RecordedServer,
  recordServer,
  releaseLease,
  type TestbedState,
} from '../../scripts/testbed/ownership';
import {
  aptNeedsUpdate,
  chooseSocketDir,
  mariadbEnsureUsersSql,
  motoPortsFor,
  newestVersion,
  type PgCluster,
  parseClusters,
  pgEnsureRoleSql,
  planMariadb,
  planMoto,
  planPostgres,
  resolvePorts,
  runNeedsTestbed,
  type ServerProbe,
  shouldInstallMariadb,
  traversableByOthers,
} from '../../scripts/testbed/plan';

const absent: ServerProbe = { state: 'absent' };
const rejects: ServerProbe = { state: 'rejects', detail: 'role "strongbox" does not exist' };
const down15: PgCluster = { version: '15', name: 'main', port: 5432, online: false };
const binDir = '/usr/lib/postgresql/15/bin';

describe('planPostgres', () => {
  const facts = { port: 5432, isRoot: true, clusters: [down15], binDir };

  it('uses a server that accepts the admin credentials, root or not', () => {
    // Prepare
    const probe: ServerProbe = { state: 'accepts' };

    // Act
    const asRoot = planPostgres({ ...facts, probe });
    const asUser = planPostgres({ ...facts, probe, isRoot: false });

    // Assess
    expect(asRoot).toEqual({ do: 'use' });
    expect(asUser).toEqual({ do: 'use' });
  });

  it('creates the role as root when the running server refuses the admin', () => {
    // Act
    const action = planPostgres({ ...facts, probe: rejects });

    // Assess
    expect(action).toEqual({ do: 'create-role' });
  });

  it('tells a normal user how to create the role or pick another port when the server refuses the admin', () => {
    // Act
    const action = planPostgres({ ...facts, probe: rejects, isRoot: false });

    // Assess
    expect(action.do).toBe('fail');
    expect(action.do === 'fail' && action.reason).toMatch(/CREATE ROLE strongbox LOGIN SUPERUSER.*STRONGBOX_PG_PORT/s);
  });

  it('starts the stopped cluster configured for the port as root', () => {
    // Prepare
    const other: PgCluster = { version: '16', name: 'main', port: 5433, online: false };

    // Act
    const action = planPostgres({ ...facts, clusters: [other, down15], probe: absent });

    // Assess
    expect(action).toEqual({ do: 'start-cluster', cluster: down15 });
  });

  it('starts a private cluster as the postgres user when root has no cluster on the port', () => {
    // Act
    const action = planPostgres({ ...facts, port: 15432, probe: absent });

    // Assess
    expect(action).toEqual({ do: 'start-private', runAs: 'postgres', binDir });
  });

  it('starts a private cluster as itself for a normal user, even when a system cluster owns the port', () => {
    // Act
    const action = planPostgres({ ...facts, isRoot: false, probe: absent });

    // Assess
    expect(action).toEqual({ do: 'start-private', runAs: 'self', binDir });
  });

  it('fails clearly when PostgreSQL server binaries are missing', () => {
    // Act
    const action = planPostgres({ ...facts, clusters: [], binDir: undefined, probe: absent });

    // Assess
    expect(action.do === 'fail' && action.reason).toMatch(/install postgresql/);
  });

  it('refuses a port held by something that is not PostgreSQL', () => {
    // Act
    const action = planPostgres({ ...facts, probe: { state: 'foreign', detail: 'Connection terminated' } });

    // Assess
    expect(action.do === 'fail' && action.reason).toMatch(/port 5432 is taken.*STRONGBOX_PG_PORT/);
  });
});

describe('planMariadb', () => {
  const facts = { port: 3306, isRoot: true, installed: true };

  it('uses a server that accepts the admin, creates the users as root when it refuses them', () => {
    // Act
    const use = planMariadb({ ...facts, probe: { state: 'accepts' } });
    const create = planMariadb({ ...facts, probe: rejects });

    // Assess
    expect(use).toEqual({ do: 'use' });
    expect(create).toEqual({ do: 'create-users' });
  });

  it('starts a private server when nothing listens, for root and normal users alike', () => {
    // Act
    const asRoot = planMariadb({ ...facts, probe: absent });
    const asUser = planMariadb({ ...facts, isRoot: false, probe: absent });

    // Assess
    expect(asRoot).toEqual({ do: 'start-private' });
    expect(asUser).toEqual({ do: 'start-private' });
  });

  it('names the package to install when a normal user has no MariaDB', () => {
    // Act
    const action = planMariadb({ ...facts, isRoot: false, installed: false, probe: absent });

    // Assess
    expect(action.do === 'fail' && action.reason).toMatch(/install mariadb-server/);
  });

  it('installs MariaDB only when it is missing and we are root', () => {
    // Act
    const decisions = [
      shouldInstallMariadb(false, true),
      shouldInstallMariadb(false, false),
      shouldInstallMariadb(true, true),
    ];

    // Assess
    expect(decisions).toEqual([true, false, false]);
  });

  it('refreshes the package lists only when apt-get could not find the package', () => {
    // Act
    const missingLists = aptNeedsUpdate('E: Unable to locate package mariadb-server');
    const otherFailure = aptNeedsUpdate('E: Could not get lock /var/lib/dpkg/lock-frontend');

    // Assess
    expect(missingLists).toBe(true);
    expect(otherFailure).toBe(false);
  });
});

describe('planMoto', () => {
  it('reuses a moto_server, starts one on a free port, refuses a port held by something else', () => {
    // Act
    const actions = [planMoto(5101, 'moto', true), planMoto(5101, 'absent', true), planMoto(5101, 'foreign', true)];

    // Assess
    expect(actions.map((a) => a.do)).toEqual(['use', 'start', 'fail']);
  });

  it('explains how to install moto when moto_server is not on PATH', () => {
    // Act
    const action = planMoto(5101, 'absent', false);

    // Assess
    expect(action.do === 'fail' && action.reason).toMatch(/moto\[server\]/);
  });
});

describe('facts and settings', () => {
  it('reads pg_lsclusters output, skipping lines that are not clusters', () => {
    // Prepare
    const text = [
      '15 main 5432 down postgres /var/lib/postgresql/15/main /var/log/postgresql/postgresql-15-main.log',
      '16 test 5433 online,recovery postgres /var/lib/postgresql/16/test /var/log/x.log',
      'Warning: something',
      '',
    ].join('\n');

    // Act
    const clusters = parseClusters(text);

    // Assess
    expect(clusters).toEqual([down15, { version: '16', name: 'test', port: 5433, online: true }]);
  });

  it('picks the newest installed PostgreSQL version numerically', () => {
    // Act
    const newest = newestVersion(['9.6', '15', '13', 'common']);

    // Assess
    expect(newest).toBe('15');
  });

  it('takes ports from options, then env, then defaults, and rejects nonsense', () => {
    // Act
    const defaults = resolvePorts({});
    const fromEnv = resolvePorts({ STRONGBOX_PG_PORT: '15432', STRONGBOX_MYSQL_PORT: '13306' });
    const fromOptions = resolvePorts({ STRONGBOX_PG_PORT: '15432' }, { postgres: 25432 });

    // Assess
    expect(defaults).toEqual({ postgres: 5432, mysql: 3306 });
    expect(fromEnv).toEqual({ postgres: 15432, mysql: 13306 });
    expect(fromOptions.postgres).toBe(25432);
    expect(() => resolvePorts({ STRONGBOX_PG_PORT: 'abc' })).toThrow(/STRONGBOX_PG_PORT/);
    expect(() => resolvePorts({ STRONGBOX_MYSQL_PORT: '70000' })).toThrow(/STRONGBOX_MYSQL_PORT/);
  });

  it('gives each 1-based worker id its own moto port above the base', () => {
    // Act
    const ports = motoPortsFor(5100, 3);

    // Assess
    expect(ports).toEqual([5101, 5102, 5103]);
    expect(() => motoPortsFor(5100, 0)).toThrow();
    expect(() => motoPortsFor(65_535, 1)).toThrow(/outside/);
  });

  it('skips the test bed only when every selected file belongs to unit or infra', () => {
    // Act
    const unitOnly = runNeedsTestbed(['unit', 'infra', 'integration'], [['unit'], ['infra']]);
    const oneIntegration = runNeedsTestbed(['unit', 'integration'], [['unit'], ['integration']]);
    const filteredProjects = runNeedsTestbed(['unit']);
    const newProject = runNeedsTestbed(['bench']);

    // Assess
    expect([unitOnly, oneIntegration, filteredProjects, newProject]).toEqual([false, true, false, true]);
  });

  it('keeps socket paths under the unix limit by falling back to a short directory', () => {
    // Act
    const short = chooseSocketDir('/work/.strongbox/testbed/postgres-5432', '/tmp/s', '.s.PGSQL.5432');
    const long = chooseSocketDir(`/home/${'x'.repeat(90)}`, '/tmp/s', '.s.PGSQL.5432');

    // Assess
    expect(short).toBe('/work/.strongbox/testbed/postgres-5432');
    expect(long).toBe('/tmp/s');
  });

  it('sees that the postgres user cannot reach a checkout under a private home directory', () => {
    // Act
    const underWork = traversableByOthers([0o40755, 0o40755, 0o40755]);
    const underRoot = traversableByOthers([0o40755, 0o40700, 0o40755]);

    // Assess
    expect(underWork).toBe(true);
    expect(underRoot).toBe(false);
  });

  it('quotes names and passwords in the SQL that creates the admin', () => {
    // Act
    const pgSql = pgEnsureRoleSql('o"k', "it's");
    const mySql = mariadbEnsureUsersSql('admin', "it's\\");

    // Assess
    expect(pgSql).toContain(`ALTER ROLE "o""k" WITH LOGIN SUPERUSER PASSWORD 'it''s';`);
    expect(mySql).toContain(`CREATE USER IF NOT EXISTS 'admin'@'127.0.0.1' IDENTIFIED BY 'it''s\\\\';`);
    expect(mySql).toContain(`GRANT ALL PRIVILEGES ON *.* TO 'admin'@'localhost' WITH GRANT OPTION;`);
  });
});

describe('ownership', () => {
  const run1: Lease = { pid: 101, token: 'run-1' };
  const run2: Lease = { pid: 102, token: 'run-2' };
  const server = (id: string, keep: boolean, leases: Lease[]): RecordedServer => ({
    id,
    kind: 'moto',
    port: Number(id.split(':')[1]),
    stop: { how: 'signal', pid: 7, group: true, match: 'moto_server' },
    keep,
    leases,
    startedAt: '2026-01-01T00:00:00.000Z',
    detail: '',
  });
  const state = (...servers: RecordedServer[]): TestbedState => servers.reduce(recordServer, EMPTY_STATE);
  const allAlive = () => true;

  it('stops what a run started when that run ends and nobody else uses it', () => {
    // Prepare
    const before = state(server('moto:5101', false, [run1]));

    // Act
    const plan = releaseLease(before, 'run-1', allAlive);

    // Assess
    expect(plan.toStop.map((s) => s.id)).toEqual(['moto:5101']);
    expect(plan.state.servers).toEqual([]);
  });

  it('leaves a server running while another live run holds a lease on it', () => {
    // Prepare
    const before = claimServer(state(server('moto:5101', false, [run1])), 'moto:5101', run2);

    // Act
    const plan = releaseLease(before, 'run-1', allAlive);

    // Assess
    expect(plan.toStop).toEqual([]);
    expect(plan.state.servers[0]?.leases).toEqual([run2]);
  });

  it('stops leftovers of runs that died, but never what `testbed start` keeps', () => {
    // Prepare
    const before = state(server('moto:5101', false, [run2]), server('moto:5102', true, [run1]));
    const onlyRun1Alive = (pid: number) => pid === 101;

    // Act
    const plan = releaseLease(before, 'run-1', onlyRun1Alive);

    // Assess
    expect(plan.toStop.map((s) => s.id)).toEqual(['moto:5101']);
    expect(plan.state.servers.map((s) => [s.id, s.keep, s.leases])).toEqual([['moto:5102', true, []]]);
  });

  it('`testbed stop` stops what nobody uses and hands what a live run uses over to that run', () => {
    // Prepare
    const before = state(server('moto:5101', true, []), server('moto:5102', true, [run1]));

    // Act
    const plan = planCliStop(before, allAlive);

    // Assess
    expect(plan.toStop.map((s) => s.id)).toEqual(['moto:5101']);
    expect(plan.inUse.map((s) => [s.id, s.keep])).toEqual([['moto:5102', false]]);
    expect(releaseLease(plan.state, 'run-1', allAlive).toStop.map((s) => s.id)).toEqual(['moto:5102']);
  });

  it('lets a run take a moto port only when nothing listens or nobody alive holds the recorded server', () => {
    // Prepare
    const kept = server('moto:5101', true, []);
    const leased = server('moto:5101', false, [run2]);

    // Act
    const decisions = [
      motoPortFreeForRun(false, undefined, allAlive),
      motoPortFreeForRun(true, kept, allAlive),
      motoPortFreeForRun(true, leased, allAlive),
      motoPortFreeForRun(true, leased, () => false),
      motoPortFreeForRun(true, undefined, allAlive),
    ];

    // Assess
    expect(decisions).toEqual([true, true, false, true, false]);
  });

  it('moves a block of moto ports up in steps of at least ten, keeping the workers in order', () => {
    // Act
    const second = motoPortBlock([5101, 5102], 1);
    const wide = motoPortBlock([5101, 5112], 2);

    // Assess
    expect(second).toEqual([5111, 5112]);
    expect(wide).toEqual([5125, 5136]);
  });

  it('reads a missing or damaged state file as nothing recorded', () => {
    // Act
    const states = [parseState(undefined), parseState('{oops'), parseState('{"version":2,"servers":[]}')];

    // Assess
    expect(states).toEqual([EMPTY_STATE, EMPTY_STATE, EMPTY_STATE]);
  });
});
