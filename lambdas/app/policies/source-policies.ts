import type { Policy } from '../../domain/policy';
import { type EffectiveSettings, effectiveSettings } from '../../domain/policy-settings';
import type { Source } from '../../domain/source';
import type { Catalog } from '../../ports/catalog';
import { allPages } from '../all-pages';

/** Every policy of the tenant (a plan allows at most a few hundred). */
export function loadPolicies(catalog: Pick<Catalog, 'policies'>, tenantId: string): Promise<Policy[]> {
  return allPages((page) => catalog.policies.list(tenantId, page));
}

/** The settings that apply to the source's backups: its own, filled in by the policies selecting it. */
export async function settingsOf(catalog: Pick<Catalog, 'policies'>, source: Source): Promise<EffectiveSettings> {
  return effectiveSettings(source, await loadPolicies(catalog, source.tenantId));
}
