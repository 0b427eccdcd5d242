import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalService } from '../../scripts/local/service';
import { REPO_ROOT, sourceBodyFor, startTestService } from '../support/local-service';
import { smallDatabase } from '../support/retention-e2e';
import { type TestDatabase, withPostgres } from '../support/testbed';

/**
 * The `strongbox` CLI end to end: the real command (node --import tsx scripts/cli/main.ts, as `npm run strongbox`
 * and the package's bin run it) as a child process against the local service, logged in from the local service's
 * token file. Exit codes, --json, progress on stderr, downloads checked against the backup's SHA-256, four eyes.
 */
interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let service: LocalService;
let db: TestDatabase;
let dir: string;
const outputs: string[] = [];
const cleanup: (() => Promise<void>)[] = [];

function strongbox(args: readonly string[], stdin = ''): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/cli/main.ts', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, STRONGBOX_CONFIG: join(dir, 'config.json'), STRONGBOX_API_URL: '', STRONGBOX_TOKEN: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      outputs.push(stdout, stderr);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

const json = (ran: Ran) => JSON.parse(ran.stdout) as Record<string, unknown>;

beforeAll(async () => {
  service = await startTestService();
  dir = mkdtempSync(join(tmpdir(), 'strongbox-cli-'));
  writeFileSync(join(dir, 'local.json'), JSON.stringify({ apiUrl: service.apiUrl, tokens: service.tokens }));
  db = await smallDatabase('cli');
  cleanup.push(db.drop);
});

afterAll(async () => {
  await service?.stop();
  for (const drop of cleanup.reverse()) await drop().catch(() => undefined);
});

describe('strongbox CLI against local mode', () => {
  const ids: Record<string, string> = {};

  it('refuses to work before login (3), and logs in from the local token file into a private config', async () => {
    const before = await strongbox(['sources', 'list']);
    const login = await strongbox(['login', '--local', 'acme', '--local-file', join(dir, 'local.json')]);
    const who = await strongbox(['whoami', '--json']);

    expect(before.code).toBe(3);
    expect(before.stderr).toContain('strongbox login');
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain('admin@acme.local');
    expect(statSync(join(dir, 'config.json')).mode & 0o777).toBe(0o600);
    expect(json(who)).toMatchObject({ subject: 'admin@acme.local', tenant: 'acme', roles: ['admin'] });
  });

  it('registers a source with the password from stdin, and names bad input with its exit code', async () => {
    const body = sourceBodyFor(db, 'cli source');
    writeFileSync(join(dir, 'source.json'), JSON.stringify({ ...body, password: undefined }));
    const created = await strongbox(
      ['sources', 'create', '--file', join(dir, 'source.json'), '--password-stdin', '--json'],
      body.password,
    );
    const bad = await strongbox([
      'sources',
      'create',
      '--name',
      'x',
      '--type',
      'postgres',
      '--host',
      '169.254.169.254',
    ]);
    const unknownFlag = await strongbox(['sources', 'list', '--colour']);
    const listed = await strongbox(['sources', 'list']);

    expect(created.code, created.stderr).toBe(0);
    ids.source = json(created).id as string;
    expect(json(created)).not.toHaveProperty('password');
    expect(bad.code).toBe(5);
    expect(bad.stderr).toMatch(/400 validation_failed: .*\(.*database: /);
    expect(unknownFlag.code).toBe(2);
    expect(listed.stdout).toContain(ids.source);
    expect(listed.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+TYPE/);
  });

  it('backs up and waits with progress on stderr, then downloads a file whose SHA-256 is the backup’s', async () => {
    const backup = await strongbox(['backups', 'create', '--source', ids.source as string, '--wait']);
    expect(backup.code, backup.stderr).toBe(0);
    ids.backup = /^id:\s+(\S+)$/m.exec(backup.stdout)?.[1] as string;
    const record = json(await strongbox(['backups', 'show', ids.backup, '--json']));
    const file = join(dir, 'shop.dump.zst');
    const download = await strongbox(['backups', 'download', ids.backup, '--output', file, '--json']);
    const verify = await strongbox(['backups', 'verify', ids.backup, '--wait']);
    const missing = await strongbox(['backups', 'show', 'bkp_01J0000000000000000000000X']);

    expect(record).toMatchObject({ status: 'succeeded', sourceId: ids.source });
    expect(backup.stderr).toContain(`backup ${ids.backup}: succeeded`);
    expect(download.code, download.stderr).toBe(0);
    expect(json(download)).toMatchObject({ sha256: record.sha256, file });
    expect(readFileSync(file).subarray(0, 4).toString('hex')).toBe('28b52ffd'); // zstd frame
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/verification:.*"ok":true/);
    expect(missing.code).toBe(4);
  });

  it('restores into a new database and waits for the rows; a replacing restore needs another admin (four eyes)', async () => {
    const copy = `${db.name}_cli`;
    cleanup.push(() =>
      withPostgres('postgres', (client) => client.query(`DROP DATABASE IF EXISTS "${copy}"`)).then(() => undefined),
    );
    const restored = await strongbox([
      'restores',
      'create',
      '--backup',
      ids.backup as string,
      '--database',
      copy,
      '--wait',
      '--json',
    ]);
    const rows = await withPostgres(copy, (client) => client.query('SELECT count(*)::int AS n FROM items'));
    const replacing = await strongbox([
      'restores',
      'create',
      '--backup',
      ids.backup as string,
      '--database',
      db.name,
      '--replace',
      '--wait',
      '--json',
    ]);
    const waiting = json(replacing);
    const self = await strongbox(['restores', 'approve', waiting.id as string]);
    const lead = await strongbox([
      'login',
      '--local',
      'acmeApprover',
      '--local-file',
      join(dir, 'local.json'),
      '--profile',
      'lead',
    ]);
    const approved = await strongbox([
      'restores',
      'approve',
      waiting.id as string,
      '--wait',
      '--profile',
      'lead',
      '--json',
    ]);

    expect(restored.code, restored.stderr).toBe(0);
    expect(json(restored)).toMatchObject({ status: 'succeeded', target: { database: copy } });
    expect(rows.rows[0]).toEqual({ n: 100 });
    expect(replacing.code, replacing.stderr).toBe(0);
    expect(waiting.status).toBe('pending_approval');
    expect(replacing.stderr).toContain('waits for approval');
    expect(self.code).toBe(3);
    expect(self.stderr).toContain('four eyes');
    expect(lead.code).toBe(0);
    expect(approved.code, approved.stderr).toBe(0);
    expect(json(approved)).toMatchObject({
      status: 'succeeded',
      approval: { decision: 'approved', decidedBy: 'lead@acme.local' },
    });
  });

  it('lists, previews and checks the audit trail; never prints a token', async () => {
    const backups = await strongbox(['backups', 'list', '--source', ids.source as string, '--all', '--json']);
    const preview = await strongbox(['retention', 'preview', '--source', ids.source as string]);
    const auditList = await strongbox(['audit', 'list', '--limit', '5']);
    const auditVerify = await strongbox(['audit', 'verify', '--json']);
    const help = await strongbox(['--help']);

    expect((json(backups).items as unknown[]).length).toBeGreaterThanOrEqual(2);
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toContain(ids.source);
    expect(auditList.stdout).toMatch(/SEQ\s+AT\s+WHO\s+ACTION/);
    expect(auditList.stdout).toContain('approveRestore');
    expect(json(auditVerify)).toMatchObject({ ok: true });
    expect(help.stdout).toContain('Exit codes');
    for (const token of Object.values(service.tokens)) {
      for (const output of outputs) expect(output.includes(token)).toBe(false);
    }
  });
});
