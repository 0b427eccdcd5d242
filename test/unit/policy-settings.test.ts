import { describe, expect, it } from 'vitest';
import { type Policy, type PolicySettings, putPolicy } from '../../lambdas/domain/policy';
import { effectiveSettings } from '../../lambdas/domain/policy-settings';
import type { SnapshotSource, Source } from '../../lambdas/domain/source';
import { aSource, ids } from '../support/catalog-fixtures';

/** How a source's own settings and the settings of the policies selecting it combine (lambdas/domain/policy-settings). */
const NOW = new Date('2027-01-01T00:00:00Z');

function policy(id: string, selector: Partial<Policy['sources']>, settings?: PolicySettings): Policy {
  return putPolicy(
    undefined,
    {
      tenantId: 'acme',
      id,
      name: id,
      sources: { ids: selector.ids ?? [], tags: selector.tags ?? {} },
      schedules: [{ name: 'n', expression: 'rate(1 day)', timezone: 'UTC', windowMinutes: 0 }],
      ...(settings ? { settings } : {}),
    },
    NOW,
  );
}

const volume = (tags: Record<string, string>, settings?: SnapshotSource['settings']): SnapshotSource => ({
  tenantId: 'acme',
  id: ids.next('source'),
  name: 'data volume',
  type: 'ebs-volume',
  region: 'eu-west-1',
  resourceId: 'vol-0123456789abcdef0',
  createdAt: NOW.toISOString(),
  tags,
  ...(settings ? { settings } : {}),
});

describe('effective settings of a source', () => {
  it('requires restore approval when the source or any selecting policy does', () => {
    const source = volume({ env: 'prod' });
    const lax = policy('lax', { tags: { env: 'prod' } }, { restoreApproval: false });
    const strict = policy('strict', { tags: { env: 'prod' } }, { restoreApproval: true });
    const elsewhere = policy('other', { tags: { env: 'dev' } }, { restoreApproval: true });
    expect(effectiveSettings(source, [lax, elsewhere]).settings.restoreApproval).toBe(false);
    expect(effectiveSettings(source, [lax, strict]).settings.restoreApproval).toBe(true);
    const guarded = volume({}, { copyRegions: [], restoreApproval: true });
    expect(effectiveSettings(guarded, [lax]).settings.restoreApproval).toBe(true);
  });

  it("adds the policies' DR regions to the source's own, never its own region, and none to database sources", () => {
    const source = volume(
      { env: 'prod' },
      { copyRegions: [{ region: 'us-east-1', kmsKeyId: 'key-1' }], restoreApproval: false },
    );
    const dr = policy('dr', { ids: [source.id] }, { copyRegions: ['us-east-1', 'eu-west-1', 'eu-central-1'] });
    expect(effectiveSettings(source, [dr]).settings.copyRegions).toEqual([
      { region: 'us-east-1', kmsKeyId: 'key-1' },
      { region: 'eu-central-1' },
    ]);
    const database: Source = { ...aSource('acme'), tags: { env: 'prod' } };
    expect(
      effectiveSettings(database, [policy('p', { tags: { env: 'prod' } }, { copyRegions: ['eu-central-1'] })]).settings
        .copyRegions,
    ).toEqual([]);
  });

  it("takes the source's own retention first, else the one its policies agree on, else none when they disagree", () => {
    const source = volume({ env: 'prod' });
    const daily = policy('daily', { tags: { env: 'prod' } }, { retention: { keepDaily: 7, timeZone: 'UTC' } });
    const same = policy('same', { ids: [source.id] }, { retention: { timeZone: 'UTC', keepDaily: 7 } });
    const weekly = policy('weekly', { ids: [source.id] }, { retention: { keepWeekly: 4, timeZone: 'UTC' } });

    expect(effectiveSettings(source, [])).toEqual({ settings: { copyRegions: [], restoreApproval: false } });
    expect(effectiveSettings(source, [daily, same])).toMatchObject({
      settings: { retention: { keepDaily: 7 } },
      retentionFrom: 'daily',
    });
    const conflict = effectiveSettings(source, [daily, weekly]);
    expect(conflict.settings.retention).toBeUndefined();
    expect(conflict.retentionConflict).toEqual(['daily', 'weekly']);
    const own = volume({ env: 'prod' }, { copyRegions: [], restoreApproval: false, retention: { keepLast: 3 } });
    expect(effectiveSettings(own, [daily, weekly])).toMatchObject({
      settings: { retention: { keepLast: 3 } },
      retentionFrom: 'source',
    });
  });
});
