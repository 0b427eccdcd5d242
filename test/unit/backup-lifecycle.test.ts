import { describe, expect, it } from 'vitest';
import {
  type CompletedDump,
  failBackup,
  isRestorable,
  newBackup,
  startBackup,
  succeedBackup,
} from '../../lambdas/domain/backup';
import { ConflictError } from '../../lambdas/domain/errors';

const T0 = new Date('2026-11-20T03:00:00Z');
const T1 = new Date('2026-11-20T03:05:00Z');
const pending = newBackup(
  {
    tenantId: 'acme',
    id: 'bkp_01JD0000000000000000000000',
    sourceId: 'src_01JD0000000000000000000000',
    engine: 'postgres',
    trigger: 'manual',
  },
  T0,
);
const dump: CompletedDump = {
  format: 'pg-custom',
  compression: 'zstd',
  object: { key: 'tenants/acme/x/data.dump.zst', versionId: 'v1' },
  manifest: { key: 'tenants/acme/x/manifest.json', versionId: 'v1' },
  rawBytes: 1000,
  storedBytes: 400,
  sha256: 'a'.repeat(64),
  partCount: 1,
  partSize: 8 * 1024 * 1024,
  tableCount: 3,
  rowCount: 10,
  serverVersion: '15.18',
  toolVersion: '15.18',
};

describe('backup lifecycle', () => {
  it('goes pending → running → succeeded with everything a restore needs', () => {
    // Act
    const done = succeedBackup(startBackup(pending, T0), dump, T1);
    // Assess
    expect(done.status).toBe('succeeded');
    expect(done.finishedAt).toBe(T1.toISOString());
    expect(isRestorable(done)).toBe(true);
  });

  it('refuses to call a backup succeeded without a SHA-256 or a stored object', () => {
    // Prepare
    const running = startBackup(pending, T0);
    // Act / Assess
    expect(() => succeedBackup(running, { ...dump, sha256: 'nope' }, T1)).toThrow(ConflictError);
    expect(() => succeedBackup(running, { ...dump, storedBytes: 0 }, T1)).toThrow(ConflictError);
    expect(() => succeedBackup(pending, dump, T1)).toThrow(/pending; cannot mark it succeeded/);
  });

  it('drops object references when failing, so a failed backup never points at data', () => {
    // Prepare
    const running = { ...startBackup(pending, T0), object: dump.object };
    // Act
    const failed = failBackup(running, { code: 'dump_failed', message: 'boom' }, T1);
    // Assess
    expect(failed.status).toBe('failed');
    expect(failed.object).toBeUndefined();
    expect(isRestorable(failed)).toBe(false);
    expect(() => failBackup(failed, { code: 'x', message: 'y' }, T1)).toThrow(ConflictError);
  });
});
