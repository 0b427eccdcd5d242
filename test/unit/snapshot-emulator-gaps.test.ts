import { describe, expect, it } from 'vitest';
import { requestBackup } from '../../lambdas/app/backups/request-backup';
import { checkSnapshots } from '../../lambdas/app/snapshots/check-snapshots';
import { createSnapshots } from '../../lambdas/app/snapshots/create-snapshots';
import { recordSnapshotBackup } from '../../lambdas/app/snapshots/record-snapshot-backup';
import { startSnapshotBackup } from '../../lambdas/app/snapshots/start-snapshot-backup';
import { registerSource } from '../../lambdas/app/sources/register-source';
import { FakeCloud, type GapOptions, snapshotDeps, withEmulatorGaps } from '../support/fake-cloud';

/**
 * What moto cannot show (DESIGN.md §8): snapshots that stay pending, end in error, or calls that are throttled.
 * A wrapper around the cloud port plays them; the use cases run exactly as the machine's steps would.
 */
async function pendingBackup(options: GapOptions) {
  const fake = new FakeCloud();
  const gaps = withEmulatorGaps(fake, options);
  const deps = snapshotDeps(gaps.cloud);
  const volume = fake.addVolume('us-east-1', { 'strongbox:tenant': 'acme' });
  const source = await registerSource(deps, {
    tenantId: 'acme',
    name: 'data',
    type: 'ebs-volume',
    resourceId: volume.volumeId,
    region: 'us-east-1',
  });
  const backup = await requestBackup(deps, { tenantId: 'acme', sourceId: source.id, trigger: 'manual' });
  const ids = { tenantId: 'acme', backupId: backup.id };
  await startSnapshotBackup(deps, ids);
  return { deps, fake, gaps, ids };
}

describe('snapshot backups across emulator gaps', () => {
  it('emulator gap (R10): pending for 3 polls, then completed → done only after it completed, never recorded early', async () => {
    const { deps, ids } = await pendingBackup({ pendingPolls: 3 });
    await createSnapshots(deps, ids);
    const seen: boolean[] = [];
    let attempts = 0;
    for (;;) {
      const poll = await checkSnapshots(deps, { ...ids, attempts, maxAttempts: 10, waitSeconds: 30 });
      seen.push(poll.done);
      attempts = poll.attempts;
      if (poll.done) break;
      // Recording while pending is refused: nothing is called succeeded before the snapshot completed.
      await expect(recordSnapshotBackup(deps, ids)).rejects.toMatchObject({ code: 'invalid_state' });
      expect(await deps.catalog.backups.get('acme', ids.backupId)).toMatchObject({ status: 'running' });
    }
    expect(seen).toEqual([false, false, false, true]);
    expect(await recordSnapshotBackup(deps, ids)).toMatchObject({ status: 'succeeded' });
  });

  it('emulator gap (R10): pending, then error → SnapshotFailedError naming the snapshot and its state', async () => {
    const { deps, ids } = await pendingBackup({ pendingPolls: 2, finalState: 'error' });
    await createSnapshots(deps, ids);
    await checkSnapshots(deps, { ...ids, attempts: 0, maxAttempts: 10, waitSeconds: 30 });
    await checkSnapshots(deps, { ...ids, attempts: 1, maxAttempts: 10, waitSeconds: 30 });
    await expect(checkSnapshots(deps, { ...ids, attempts: 2, maxAttempts: 10, waitSeconds: 30 })).rejects.toMatchObject(
      {
        name: 'SnapshotFailedError',
        message: expect.stringMatching(/snap-\w+ is in state error/),
      },
    );
  });

  it('emulator gap (R10): still pending at the bound → fails clearly instead of waiting forever', async () => {
    const { deps, ids } = await pendingBackup({ pendingPolls: 100 });
    await createSnapshots(deps, ids);
    await expect(
      checkSnapshots(deps, { ...ids, attempts: 239, maxAttempts: 240, waitSeconds: 30 }),
    ).rejects.toMatchObject({
      name: 'SnapshotFailedError',
      message: expect.stringContaining('did not complete within 240 checks (about 120 minutes)'),
    });
  });

  it('emulator gap (R11): throttled twice, then accepted → exactly one snapshot', async () => {
    const { deps, fake, gaps, ids } = await pendingBackup({ throttleCreates: 2 });
    // The machine retries SnapshotThrottledError by name; here the retries are explicit.
    await expect(createSnapshots(deps, ids)).rejects.toMatchObject({ name: 'SnapshotThrottledError' });
    await expect(createSnapshots(deps, ids)).rejects.toMatchObject({ name: 'SnapshotThrottledError' });
    await createSnapshots(deps, ids);
    expect(gaps.counts).toMatchObject({ throttled: 2, creates: 1 });
    expect(fake.snapshotsTagged({ 'strongbox:backup': ids.backupId })).toHaveLength(1);
  });
});
