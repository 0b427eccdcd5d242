import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { restoreMachineInputSchema, restoreSnapshotStepSchema } from '../../lambdas/shared/job-events';

/** The documented examples of the restore machine's input (docs/restore-input.md) are what the machine accepts. */
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIR = join(REPO_ROOT, 'docs/examples/restore-input');
const examples = readdirSync(DIR).filter((file) => file.endsWith('.json'));

describe('restore machine input examples', () => {
  it('has an example of every kind', () => {
    expect(examples.length).toBeGreaterThanOrEqual(8);
    const doc = readFileSync(join(REPO_ROOT, 'docs/restore-input.md'), 'utf8');
    for (const file of examples) expect(doc, file).toContain(`examples/restore-input/${file}`);
  });

  it.each(examples)('%s parses against restoreMachineInputSchema', (file) => {
    const parsed = restoreMachineInputSchema.safeParse(JSON.parse(readFileSync(join(DIR, file), 'utf8')));
    expect(parsed.error?.issues).toBeUndefined();
  });

  it('refuses a tenant-less request, a stray field and a half point in time', () => {
    const base = JSON.parse(readFileSync(join(DIR, 'db-instance.json'), 'utf8'));
    const { tenantId: _tenant, ...noTenant } = base;
    for (const bad of [
      noTenant,
      { ...base, target: { ...base.target, bucket: 'x' } },
      { ...base, target: { pointInTime: { useLatestRestorableTime: false } } },
      { ...base, target: { pointInTime: { restoreTime: 'yesterday' } } },
    ]) {
      expect(restoreMachineInputSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it('types the steps of the volume and DB branches', () => {
    const ids = { tenantId: 'acme', restoreId: 'rst_01JXB6Q3T4N5W6X7Y8Z9A0B1C2' };
    expect(restoreSnapshotStepSchema.safeParse({ action: 'create-volumes', ...ids }).success).toBe(true);
    expect(restoreSnapshotStepSchema.safeParse({ action: 'check-db', ...ids }).success).toBe(false);
    expect(
      restoreSnapshotStepSchema.safeParse({ action: 'check-db', ...ids, attempts: 0, maxAttempts: 5, waitSeconds: 30 })
        .success,
    ).toBe(true);
  });
});
