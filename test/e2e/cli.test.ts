import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadTo } from '../../scripts/cli/download';
import { CliError } from '../../scripts/cli/io';
import { Progress } from '../../scripts/cli/progress';
import type { LocalService } from '../../scripts/local/service';
import { REPO_ROOT, sourceBodyFor, startTestService } from '../support/local-service';
import { smallDatabase } from '../support/retention-e2e';
import { type TestDatabase, withPostgres } from '../support/testbed';

/**
 * The `strongbox` CLI end to end: the real command (node --import tsx scripts/cli/main.ts, as `npm run strongbox`
 * and the package's bin run it) as a child process against the local service, logged in from a local.json written
 * from the service's URL and tokens. Then the failure paths the real service does not produce on demand (a tampered
 * download, a backup that fails or never ends, 5xx, 429, no API at all) against a stand-in API on 127.0.0.1.
 */
interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let service: LocalService;
let db: TestDatabase;
const dir = mkdtempSync(join(tmpdir(), 'strongbox-cli-'));
const config = join(dir, 'config.json');
const outputs: string[] = [];
const cleanup: (() => Promise<unknown>)[] = [];

/** Runs the CLI; `args` is an argv, or a command line of arguments without spaces. */
function strongbox(args: string | readonly string[], stdin = ''): Promise<Ran> {
  const argv = typeof args === 'string' ? args.split(' ') : args;
  const { STRONGBOX_API_URL: _url, STRONGBOX_TOKEN: _token, ...env } = process.env;
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/cli/main.ts', ...argv],
      { cwd: REPO_ROOT, env: { ...env, STRONGBOX_CONFIG: config }, encoding: 'utf8', maxBuffer: 1 << 24 },
      (error, stdout, stderr) => {
        outputs.push(stdout, stderr);
        resolve({ code: error ? Number(error.code ?? -1) : 0, stdout, stderr });
      },
    );
    child.stdin?.end(stdin);
  });
}

const json = (ran: Ran) => JSON.parse(ran.stdout) as Record<string, unknown>;
const ids: Record<string, string> = {};

beforeAll(async () => {
  service = await startTestService();
  writeFileSync(join(dir, 'local.json'), JSON.stringify({ apiUrl: service.apiUrl, tokens: service.tokens }));
  db = await smallDatabase('cli');
  cleanup.push(db.drop);
});

afterAll(async () => {
  await service?.stop();
  for (const drop of cleanup.reverse()) await drop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true }); // the saved tokens and the downloaded dump
});

describe('strongbox CLI against local mode', () => {
  const local = ['--local-file', join(dir, 'local.json')];

  it('refuses to work before login (3), refuses a bad token (3), logs in into a 0600 config; whoami shows claims', async () => {
    const before = await strongbox(['sources', 'list']);
    const [header, payload] = (service.tokens.acme as string).split('.');
    const forged = await strongbox(['login', '--api', service.apiUrl, '--token-stdin'], `${header}.${payload}.AAAA`);
    const savedAfterForged = existsSync(config);
    const login = await strongbox(['login', '--local', 'acme', ...local]);
    const who = await strongbox(['whoami', '--json']);
    const whoHuman = await strongbox(['whoami']);

    expect(before.code).toBe(3);
    expect(before.stderr).toContain('strongbox login');
    expect(forged.code).toBe(3);
    expect(forged.stderr).toMatch(/401/);
    expect(savedAfterForged).toBe(false);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain('admin@acme.local');
    expect(statSync(config).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(config, 'utf8')).profiles.default).toEqual({
      apiUrl: service.apiUrl,
      token: service.tokens.acme,
    });
    expect(json(who)).toMatchObject({ apiUrl: service.apiUrl, subject: 'admin@acme.local', tenant: 'acme' });
    expect(json(who).roles).toEqual(['admin']);
    expect(whoHuman.stdout).toMatch(/^subject:\s+admin@acme\.local$/m);
  });

  it('registers a source with the password from stdin, and names bad input with its exit code', async () => {
    const body = sourceBodyFor(db, 'cli source');
    writeFileSync(join(dir, 'source.json'), JSON.stringify({ ...body, password: undefined }));
    const created = await strongbox(
      ['sources', 'create', '--file', join(dir, 'source.json'), '--password-stdin', '--json'],
      body.password,
    );
    const bad = await strongbox('sources create --name x --type postgres --host 169.254.169.254');
    const badPort = await strongbox('sources create --name x --port five');
    const unknownFlag = await strongbox('sources list --colour');
    const unknownCommand = await strongbox('snapshots list');
    const listed = await strongbox('sources list');

    expect(created.code, created.stderr).toBe(0);
    ids.source = json(created).id as string;
    expect(json(created)).not.toHaveProperty('password');
    expect(bad.code).toBe(5);
    expect(bad.stderr).toMatch(/400 validation_failed: /);
    expect(bad.stderr).toMatch(/^ {2}database: /m);
    expect(bad.stderr).toMatch(/^ {2}password: /m);
    expect(badPort.code).toBe(2);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toContain('--colour');
    expect(unknownCommand.code).toBe(2);
    expect(listed.stdout).toContain(ids.source);
    expect(listed.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+TYPE/);
  });

  it('backs up and waits with progress on stderr, downloads a zstd file with the backup’s SHA-256, holds it', async () => {
    const backup = await strongbox(['backups', 'create', '--source', ids.source as string, '--wait', '--json']);
    expect(backup.code, backup.stderr).toBe(0);
    expect(json(backup)).toMatchObject({ status: 'succeeded', sourceId: ids.source });
    ids.backup = json(backup).id as string;
    const shown = await strongbox(['backups', 'show', ids.backup]);
    const record = json(await strongbox(['backups', 'show', ids.backup, '--json']));
    const file = join(dir, 'shop.dump.zst');
    const download = await strongbox(['backups', 'download', ids.backup, '--output', file, '--json']);
    const verify = await strongbox(['backups', 'verify', ids.backup, '--wait']);
    const hold = await strongbox(['backups', 'hold', ids.backup, '--reason', 'litigation 2027-14', '--json']);
    const release = await strongbox(['backups', 'release', ids.backup, '--json']);
    const missing = await strongbox(['backups', 'show', 'bkp_01J0000000000000000000000X']);

    expect(backup.stderr).toContain(`backup ${ids.backup}: succeeded`);
    expect(shown.stdout).toMatch(new RegExp(`^id:\\s+${ids.backup}$`, 'm'));
    expect(shown.stdout).toMatch(/^status:\s+succeeded$/m);
    expect(download.code, download.stderr).toBe(0);
    expect(json(download)).toMatchObject({ sha256: record.sha256, file, bytes: record.bytes });
    expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(record.sha256);
    expect(readFileSync(file).subarray(0, 4).toString('hex')).toBe('28b52ffd'); // a zstd frame
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/verification:.*"ok":true/);
    expect(verify.stderr).toContain(`verifying ${ids.backup}: verified`);
    expect(hold.code, hold.stderr).toBe(0);
    expect(json(hold).legalHold).toMatchObject({ by: 'admin@acme.local', reason: 'litigation 2027-14' });
    expect(release.code, release.stderr).toBe(0);
    expect(json(release).legalHold).toBeNull();
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain('404 not_found');
  });

  it('restores into a new database with the rows; replacing needs another admin (four eyes), who may reject', async () => {
    const copy = `${db.name}_cli`;
    cleanup.push(() => withPostgres('postgres', (client) => client.query(`DROP DATABASE IF EXISTS "${copy}"`)));
    const backup = ['restores', 'create', '--backup', ids.backup as string];
    const restored = await strongbox([...backup, '--database', copy, '--wait', '--json']);
    const rows = await withPostgres(copy, (client) => client.query('SELECT count(*)::int AS n FROM items'));
    const clash = await strongbox([...backup, '--database', copy, '--wait', '--no-progress']);
    const replacing = await strongbox([...backup, '--database', db.name, '--replace', '--wait', '--json']);
    const waiting = json(replacing);
    const self = await strongbox(['restores', 'approve', waiting.id as string]);
    const lead = await strongbox(['login', '--local', 'acmeApprover', ...local, '--profile', 'lead']);
    const approve = ['restores', 'approve', waiting.id as string, '--wait', '--profile', 'lead', '--json'];
    const approved = await strongbox([...approve, '--reason', 'checked with the on-call']);
    const another = json(await strongbox([...backup, '--database', db.name, '--replace', '--wait', '--json']));
    const reject = ['restores', 'reject', another.id as string, '--reason', 'wrong backup', '--profile', 'lead'];
    const rejected = await strongbox([...reject, '--json']);
    const listed = await strongbox(['restores', 'list']);

    expect(restored.code, restored.stderr).toBe(0);
    expect(json(restored)).toMatchObject({ status: 'succeeded', target: { database: copy } });
    expect(rows.rows[0]).toEqual({ n: 100 });
    expect(clash.code, clash.stderr).toBe(6);
    expect(clash.stderr).toMatch(/restore rst_\w+ failed: restore_target_exists/);
    expect(replacing.code, replacing.stderr).toBe(0);
    expect(waiting.status).toBe('pending_approval');
    expect(replacing.stderr).toContain('waits for approval');
    expect(self.code).toBe(3); // the API answers 403 forbidden: the requester never approves (four eyes)
    expect(self.stderr).toContain('403 forbidden');
    expect(self.stderr).toContain('four eyes');
    expect(lead.code, lead.stderr).toBe(0);
    expect(approved.code, approved.stderr).toBe(0);
    expect(json(approved)).toMatchObject({
      status: 'succeeded',
      approval: { decision: 'approved', decidedBy: 'lead@acme.local' },
    });
    expect(another.status).toBe('pending_approval');
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(json(rejected)).toMatchObject({
      status: 'failed',
      error: { code: 'restore_rejected' },
      approval: { decision: 'rejected', decidedBy: 'lead@acme.local' },
    });
    expect(listed.stdout.split('\n')[0]).toMatch(/^ID\s+KIND\s+BACKUPID\s+STATUS/);
    expect(listed.stdout).toContain(another.id as string);
  });

  it('pages through lists, previews retention, checks the audit trail; never prints a token', async () => {
    const backups = json(await strongbox(`backups list --source ${ids.source} --limit 1 --all --json`));
    const onePage = json(await strongbox(`backups list --source ${ids.source} --limit 1 --json`));
    const preview = await strongbox(`retention preview --source ${ids.source}`);
    const everySource = json(await strongbox('retention preview --json'));
    const auditList = await strongbox('audit list --limit 5');
    const auditVerify = await strongbox('audit verify --json');
    const help = await strongbox('--help');

    // The backup and the approved replacing restore's pre-restore backup, one page each.
    expect((backups.items as unknown[]).length).toBeGreaterThanOrEqual(2);
    expect(backups.nextCursor).toBeNull();
    expect(onePage.items as unknown[]).toHaveLength(1);
    expect(onePage.nextCursor).toEqual(expect.any(String));
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toContain(`source ${ids.source}: keep`);
    expect((everySource.items as { sourceId: string }[]).map((plan) => plan.sourceId)).toContain(ids.source);
    expect(auditList.stdout).toMatch(/SEQ\s+AT\s+WHO\s+ACTION/);
    expect(json(auditVerify)).toMatchObject({ ok: true });
    expect(help.stdout).toMatch(/Exit codes:[\s\S]*7 timed out waiting/);
    for (const token of Object.values(service.tokens)) {
      for (const output of outputs) expect(output.includes(token)).toBe(false);
    }
  });
});

describe('strongbox CLI failure paths, against a stand-in API', () => {
  const blob = Buffer.from('not what the backup recorded');
  const token = 'stand-in-token-that-must-never-be-printed';
  let api: Server;
  let base = '';
  let flaky = 0;
  const send = (status: number, body: unknown) => ({ status, body });
  const routes: Record<string, () => { status: number; body: unknown }> = {
    'GET /v1/backups/bkp_tampered/download': () =>
      send(200, { url: `${base}/blob`, fileName: 'x.dump.zst', sha256: 'f'.repeat(64), bytes: blob.length }),
    'POST /v1/backups': () => send(202, { id: 'bkp_pending', status: 'pending' }),
    'GET /v1/backups/bkp_failed': () =>
      send(200, { id: 'bkp_failed', status: 'failed', error: { code: 'dump_failed', message: 'pg_dump exited 1' } }),
    'GET /v1/backups/bkp_pending': () => send(200, { id: 'bkp_pending', status: 'running' }),
    'GET /v1/backups/bkp_flaky': () =>
      ++flaky <= 2
        ? send(503, { error: { code: 'unavailable', message: 'try again' } })
        : send(200, { status: 'succeeded' }),
    'GET /v1/sources': () => send(503, { error: { code: 'unavailable', message: 'the catalog is unavailable' } }),
    'GET /v1/restores': () => send(429, { error: { code: 'too_many_requests', message: 'slow down' } }),
  };
  const as = (line: string) => strongbox(`${line} --api ${base} --token ${token}`);

  beforeAll(async () => {
    api = createServer((request, response) => {
      if (request.url === '/blob') return response.end(blob);
      const route = routes[`${request.method} ${request.url?.split('?')[0]}`];
      const { status, body } = route ? route() : send(404, { error: { code: 'not_found', message: 'no' } });
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(api.address() as { port: number }).port}`;
  });

  afterAll(() => new Promise((resolve) => api.close(resolve)));

  it('a download whose SHA-256 does not match is exit 6 and leaves no file (the function, and the command)', async () => {
    const file = join(dir, 'tampered.dump.zst');
    const io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: {}, cwd: dir };
    const direct = await downloadTo(`${base}/blob`, file, { sha256: 'f'.repeat(64) }, new Progress(io, false)).catch(
      (error: unknown) => error,
    );
    const leftDirect = [existsSync(file), existsSync(`${file}.part`)];
    const command = await as(`backups download bkp_tampered --output ${file}`);

    expect(direct).toBeInstanceOf(CliError);
    expect((direct as CliError).exitCode).toBe(6);
    expect((direct as CliError).message).toContain(createHash('sha256').update(blob).digest('hex'));
    expect(leftDirect).toEqual([false, false]);
    expect(command.code).toBe(6);
    expect(command.stderr).toContain('checksum mismatch');
    expect([existsSync(file), existsSync(`${file}.part`)]).toEqual([false, false]);
  });

  it('maps outcomes to exit codes: failed 6, timed out 7, 5xx 8, 429 5, unreachable 8; rides out blips', async () => {
    routes['POST /v1/backups'] = () => send(202, { id: 'bkp_failed', status: 'pending' });
    const failed = await as('backups create --source src_x --wait');
    routes['POST /v1/backups'] = () => send(202, { id: 'bkp_pending', status: 'pending' });
    const slow = await as('backups create --source src_x --wait --timeout 2');
    const quiet = await as('backups create --source src_x --wait --timeout 1 --no-progress');
    routes['POST /v1/backups'] = () => send(202, { id: 'bkp_flaky', status: 'pending' });
    const blips = await as('backups create --source src_x --wait --json');
    const down = await as('sources list');
    const throttled = await as('restores list');
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const gone = `http://127.0.0.1:${(closed.address() as { port: number }).port}`;
    await new Promise((resolve) => closed.close(resolve)); // a port nothing listens on any more
    const nowhere = await strongbox(`sources list --api ${gone} --token ${token}`);

    expect(failed.code).toBe(6);
    expect(failed.stderr).toContain('backup bkp_failed failed: dump_failed pg_dump exited 1');
    expect(slow.code).toBe(7);
    expect(slow.stderr).toContain('gave up waiting after 2s: backup bkp_pending is still running');
    expect(slow.stderr.match(/backup bkp_pending: running/g)).toHaveLength(1); // one plain line per status change
    expect(quiet.code).toBe(7);
    expect(quiet.stderr).not.toContain('bkp_pending: running');
    expect(blips.code, blips.stderr).toBe(0);
    expect(json(blips)).toEqual({ status: 'succeeded' });
    expect(down.code).toBe(8);
    expect(down.stderr).toContain('503 unavailable: the catalog is unavailable');
    expect(throttled.code).toBe(5);
    expect(throttled.stderr).toContain('429 too_many_requests: slow down');
    expect(nowhere.code).toBe(8);
    expect(nowhere.stderr).toContain(`cannot reach ${gone}: fetch failed: ECONNREFUSED`);
    for (const output of outputs) expect(output.includes(token)).toBe(false);
  });
});
