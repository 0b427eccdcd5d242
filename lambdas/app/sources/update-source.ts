import { NotFoundError } from '../../domain/errors';
import { isSnapshotSource, type Source, type SourceView, sourceSettings, toSourceView } from '../../domain/source';
import type { Catalog } from '../../ports/catalog';
import type { CloudResources } from '../../ports/cloud';
import type { Clock } from '../../ports/runtime';
import { resolveSettings, type SettingsInput } from './source-settings';

export interface UpdateSourceDeps {
  readonly catalog: Pick<Catalog, 'sources' | 'tenants'>;
  readonly cloud: CloudResources;
  readonly clock: Clock;
}

export interface UpdateSourceInput {
  readonly tenantId: string;
  readonly sourceId: string;
  readonly name?: string | undefined;
  /** Replaces every tag (`{}` removes them). */
  readonly tags?: Readonly<Record<string, string>> | undefined;
  readonly settings?: SettingsInput | undefined;
}

/**
 * Renames a source, replaces its tags or changes its settings (DR copy regions, restore approval, retention). Settings left out stay;
 * `retention: null` removes the policy. The same checks as at registration apply; a retention change takes effect at
 * the next prune run (preview it first: POST /v1/retention/preview).
 */
export async function updateSource(deps: UpdateSourceDeps, input: UpdateSourceInput): Promise<SourceView> {
  const source = await deps.catalog.sources.get(input.tenantId, input.sourceId);
  if (!source) throw new NotFoundError('source', input.sourceId);
  const settings =
    input.settings === undefined
      ? sourceSettings(source)
      : await resolveSettings(deps, {
          tenantId: input.tenantId,
          region: isSnapshotSource(source) ? source.region : undefined,
          current: sourceSettings(source),
          changes: input.settings,
        });
  const updated: Source = {
    ...source,
    ...(input.name === undefined ? {} : { name: input.name }),
    ...(input.tags === undefined ? {} : { tags: { ...input.tags } }),
    settings,
  };
  await deps.catalog.tenants.register(input.tenantId, deps.clock.now().toISOString());
  await deps.catalog.sources.update(updated);
  return toSourceView(updated);
}
