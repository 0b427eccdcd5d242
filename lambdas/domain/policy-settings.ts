import { matchesTags, type Policy } from './policy';
import type { RetentionPolicy } from './retention/policy';
import { type CopyRegion, isSnapshotSource, type Source, type SourceSettings, sourceSettings } from './source';

export interface EffectiveSettings {
  readonly settings: SourceSettings;
  /** Where the retention policy came from: `source`, a policy id, or none (everything is kept). */
  readonly retentionFrom?: string;
  /** Policies whose retention policies disagree for a source with none of its own: everything is kept, and said. */
  readonly retentionConflict?: readonly string[];
}

/** Whether the policy selects the source (by id, or by tags). */
export function selects(policy: Pick<Policy, 'sources'>, source: Pick<Source, 'id' | 'tags'>): boolean {
  return policy.sources.ids.includes(source.id) || matchesTags(source, policy.sources.tags);
}

/**
 * The settings that apply to a source's backups, given the tenant's policies:
 * - restore approval: required if the source or any policy selecting it requires it (the stricter wins);
 * - DR copy regions: the source's, plus every region its policies name (never the source's own region; the source's
 *   entry, with its key, wins for a region both name);
 * - retention: the source's own policy; else the one its selecting policies agree on; if they disagree, none — keeping
 *   everything is the only reading that breaks no policy's promise — and the conflict is reported.
 */
export function effectiveSettings(source: Source, policies: readonly Policy[]): EffectiveSettings {
  const own = sourceSettings(source);
  const selecting = policies.filter((policy) => selects(policy, source) && policy.settings !== undefined);
  const restoreApproval = own.restoreApproval || selecting.some((policy) => policy.settings?.restoreApproval === true);
  const copyRegions: CopyRegion[] = [...own.copyRegions];
  if (isSnapshotSource(source)) {
    for (const policy of selecting) {
      for (const region of policy.settings?.copyRegions ?? []) {
        if (region === source.region || copyRegions.some((copy) => copy.region === region)) continue;
        copyRegions.push({ region });
      }
    }
  }
  const base = { copyRegions, restoreApproval };
  if (own.retention !== undefined) return { settings: { ...base, retention: own.retention }, retentionFrom: 'source' };
  const withRetention = selecting.filter((policy) => policy.settings?.retention !== undefined);
  const distinct = new Set(withRetention.map((policy) => canonical(policy.settings?.retention)));
  if (withRetention.length === 0) return { settings: base };
  if (distinct.size > 1) return { settings: base, retentionConflict: withRetention.map((policy) => policy.id) };
  const first = withRetention[0] as Policy;
  return { settings: { ...base, retention: first.settings?.retention as RetentionPolicy }, retentionFrom: first.id };
}

/** JSON with sorted keys: two policies written with their fields in another order are the same policy. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonical(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
