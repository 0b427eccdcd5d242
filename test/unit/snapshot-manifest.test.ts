import { describe, expect, it } from 'vitest';
import type { SnapshotBackup } from '../../lambdas/domain/backup';
import type { SnapshotArtifact } from '../../lambdas/domain/snapshot';
import { buildSnapshotManifest, overallState } from '../../lambdas/domain/snapshot-manifest';
import type { SnapshotSource } from '../../lambdas/domain/source';
import { createSourceSchema } from '../../lambdas/shared/schemas';

const source: SnapshotSource = {
  tenantId: 'acme',
  id: 'src_1',
  name: 'web',
  type: 'ec2-instance',
  region: 'us-east-1',
  resourceId: 'i-0123456789abcdef0',
  createdAt: '2025-01-01T00:00:00.000Z',
};
const snap = (id: string, device: string, state: SnapshotArtifact['state'] = 'completed'): SnapshotArtifact => ({
  type: 'ebs-snapshot',
  id,
  region: 'us-east-1',
  resourceId: `vol-${id}`,
  device,
  sizeGiB: 8,
  encrypted: true,
  kmsKeyId: 'arn:aws:kms:us-east-1:1:key/k',
  state,
  progress: '100%',
});
const backup = (snapshots: SnapshotArtifact[]): SnapshotBackup => ({
  tenantId: 'acme',
  id: 'bkp_1',
  sourceId: 'src_1',
  kind: 'snapshot',
  sourceType: 'ec2-instance',
  region: 'us-east-1',
  trigger: 'scheduled',
  status: 'running',
  createdAt: '2025-01-01T00:00:00.000Z',
  startedAt: '2025-01-01T00:00:01.000Z',
  snapshots,
});

describe('snapshot manifest', () => {
  it('records snapshot ids, regions, sizes, keys and the volume → device map, and nothing transient', () => {
    const manifest = buildSnapshotManifest({
      backup: backup([snap('a', '/dev/xvda'), snap('b', '/dev/xvdf')]),
      source,
      copies: [],
      finishedAt: new Date('2025-01-01T00:05:00.000Z'),
    });
    expect(manifest).toEqual({
      schemaVersion: 1,
      kind: 'snapshot',
      backupId: 'bkp_1',
      tenantId: 'acme',
      trigger: 'scheduled',
      source: {
        id: 'src_1',
        name: 'web',
        type: 'ec2-instance',
        region: 'us-east-1',
        resourceId: 'i-0123456789abcdef0',
      },
      region: 'us-east-1',
      startedAt: '2025-01-01T00:00:01.000Z',
      finishedAt: '2025-01-01T00:05:00.000Z',
      snapshots: [
        expect.objectContaining({ id: 'a', device: '/dev/xvda', resourceId: 'vol-a', kmsKeyId: expect.any(String) }),
        expect.objectContaining({ id: 'b', device: '/dev/xvdf', sizeGiB: 8, encrypted: true }),
      ],
      copies: [],
    });
    expect(JSON.stringify(manifest)).not.toContain('progress');
  });

  it('is never built while a snapshot is pending or failed', () => {
    for (const state of ['pending', 'error'] as const) {
      expect(() =>
        buildSnapshotManifest({
          backup: backup([snap('a', '/dev/xvda'), snap('b', '/dev/xvdf', state)]),
          source,
          copies: [],
          finishedAt: new Date(),
        }),
      ).toThrow(/not completed: b/);
    }
    expect(overallState([snap('a', 'x'), snap('b', 'y', 'pending')])).toBe('pending');
    expect(overallState([snap('a', 'x', 'error'), snap('b', 'y', 'pending')])).toBe('error');
    expect(overallState([])).toBe('pending');
  });
});

describe('snapshot source schemas', () => {
  it('accepts each snapshot type with its own field, and settings', () => {
    for (const body of [
      { name: 'v', type: 'ebs-volume', volumeId: 'vol-0123456789abcdef0', region: 'eu-central-1' },
      { name: 'i', type: 'ec2-instance', instanceId: 'i-0123456789abcdef0' },
      { name: 'd', type: 'rds-instance', dbInstanceIdentifier: 'shop-db' },
      {
        name: 'c',
        type: 'rds-cluster',
        dbClusterIdentifier: 'shop',
        settings: { copyRegions: [{ region: 'eu-west-1', kmsKeyId: 'alias/dr' }], restoreApproval: true },
      },
    ]) {
      expect(createSourceSchema.safeParse(body).success, JSON.stringify(body)).toBe(true);
    }
  });

  it('refuses malformed ids, regions, more than 5 or repeated copy regions, and unknown fields', () => {
    const volume = { name: 'v', type: 'ebs-volume', volumeId: 'vol-0123456789abcdef0' };
    const copies = (n: number) => Array.from({ length: n }, (_, i) => ({ region: `eu-west-${i + 1}` }));
    for (const body of [
      { ...volume, volumeId: 'vol-XYZ' },
      { ...volume, region: 'Europe' },
      { ...volume, settings: { copyRegions: copies(6) } },
      { ...volume, settings: { copyRegions: [{ region: 'eu-west-1' }, { region: 'eu-west-1' }] } },
      { ...volume, resourceId: 'vol-0123456789abcdef0' },
      { name: 'd', type: 'rds-instance', dbInstanceIdentifier: 'bad--id' },
      { name: 'x', type: 's3-prefix' },
    ]) {
      expect(createSourceSchema.safeParse(body).success, JSON.stringify(body)).toBe(false);
    }
  });
});
