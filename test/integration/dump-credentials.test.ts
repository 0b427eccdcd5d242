import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createWorkspace,
  mysqlOptionContents,
  pgpassContents,
  sweepStaleWorkspaces,
} from '../../lambdas/adapters/dumps/credentials';
import { DUMP_ERRORS, RESTORE_ERRORS } from '../../lambdas/adapters/dumps/tool-errors';

const HOUR_MS = 60 * 60 * 1000;

async function makeDir(path: string, ageMs: number, file?: string): Promise<void> {
  await mkdir(path, { mode: 0o700 });
  if (file !== undefined) await writeFile(join(path, file), 'secret', { mode: 0o600 });
  // Last, since adding a file changes the directory's mtime.
  const when = new Date(Date.now() - ageMs);
  await utimes(path, when, when);
}

describe('credentials workspaces', () => {
  let scratch: string;

  beforeEach(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'sbsweep-test-'));
  });

  afterEach(async () => {
    vi.unstubAllEnvs();
    await rm(scratch, { recursive: true, force: true });
  });

  it('removes leftover credential workspaces older than an hour when the module loads, and nothing else', async () => {
    // Prepare: what a Lambda killed by its timeout leaves in /tmp, next to what must survive
    await makeDir(join(scratch, 'strongbox-cred-Ab12Cd'), 2 * HOUR_MS, 'pgpass');
    await makeDir(join(scratch, 'strongbox-cred-Fresh1'), 5 * 60 * 1000, 'client.cnf');
    await makeDir(join(scratch, 'strongbox-testbed-old'), 3 * HOUR_MS);
    await writeFile(join(scratch, 'strongbox-cred-File00'), 'not a workspace');
    const old = new Date(Date.now() - 3 * HOUR_MS);
    await utimes(join(scratch, 'strongbox-cred-File00'), old, old);
    vi.stubEnv('TMPDIR', scratch);
    vi.resetModules();

    // Act: a cold start
    const reloaded = await import('../../lambdas/adapters/dumps/credentials');
    const removed = await reloaded.startupSweep;

    // Assess
    expect(removed).toEqual([join(scratch, 'strongbox-cred-Ab12Cd')]);
    expect((await readdir(scratch)).sort()).toEqual([
      'strongbox-cred-File00',
      'strongbox-cred-Fresh1',
      'strongbox-testbed-old',
    ]);
  });

  it('leaves workspaces of other users alone, and measures age against the time it is given', async () => {
    // Prepare
    await makeDir(join(scratch, 'strongbox-cred-Xy34Zw'), 10 * 60 * 1000);
    const uid = process.getuid?.() ?? 0;

    // Act
    const otherUser = await sweepStaleWorkspaces({ dir: scratch, uid: uid + 1, now: Date.now() + 2 * HOUR_MS });
    const now = await sweepStaleWorkspaces({ dir: scratch, uid });
    const later = await sweepStaleWorkspaces({ dir: scratch, uid, now: Date.now() + 2 * HOUR_MS });

    // Assess
    expect([otherUser, now]).toEqual([[], []]);
    expect(later).toEqual([join(scratch, 'strongbox-cred-Xy34Zw')]);
    expect(await readdir(scratch)).toEqual([]);
  });

  it('writes files only this user can read, in a directory only this user can enter, all removed at once', async () => {
    // Prepare
    const workspace = await createWorkspace(scratch);

    // Act
    const path = await workspace.writePrivate('pgpass', 'x');
    const duplicate = await workspace.writePrivate('pgpass', 'y').catch((error: unknown) => error);
    const modes = { dir: (await stat(workspace.dir)).mode & 0o777, file: (await stat(path)).mode & 0o777 };
    await workspace.remove();
    await workspace.remove();

    // Assess
    expect(duplicate).toMatchObject({ code: 'EEXIST' });
    expect(modes).toEqual({ dir: 0o700, file: 0o600 });
    expect(await readdir(scratch)).toEqual([]);
  });
});

describe('credentials file formats', () => {
  it('escapes backslashes and colons in the user and password of a pgpass line', () => {
    expect(pgpassContents('p:a\\ss', { username: 'u:s\\er' })).toBe('*:*:*:u\\:s\\\\er:p\\:a\\\\ss\n');
    expect(pgpassContents('secret')).toBe('*:*:*:*:secret\n');
  });

  it('quotes MariaDB option values and connects over TCP when a host is given', () => {
    expect(mysqlOptionContents(' p"a\\s\t#;')).toBe('[client]\npassword=" p\\"a\\\\s\\t#;"\n');
    expect(mysqlOptionContents('pw', { username: 'bob', host: 'db.example', port: 3307 })).toBe(
      '[client]\nhost="db.example"\nprotocol=TCP\nport=3307\nuser="bob"\npassword="pw"\n',
    );
  });

  it.each([
    ['a dump', DUMP_ERRORS, 'ValidationError'],
    ['a restore', RESTORE_ERRORS, 'RestoreFailedError'],
  ])('refuses line breaks and NUL in any value with the error of %s, without the value', (_, errors, name) => {
    for (const write of [
      () => pgpassContents('first\nsecond', { refuse: errors.refuse }),
      () => pgpassContents('first\0second', { refuse: errors.refuse }),
      () => mysqlOptionContents('first\rsecond', { refuse: errors.refuse }),
      () => mysqlOptionContents('pw', { username: 'first\nsecond', refuse: errors.refuse }),
    ]) {
      expect(write).toThrow(expect.objectContaining({ name }));
      expect(write).not.toThrow(/second/);
    }
  });

  it('names the field a dump cannot use, as the API reports input errors', () => {
    expect(() => pgpassContents('pw', { username: 'a\nb', refuse: DUMP_ERRORS.refuse })).toThrow(
      expect.objectContaining({
        fields: [{ path: 'username', message: 'must not contain line breaks or NUL characters' }],
      }),
    );
  });
});
