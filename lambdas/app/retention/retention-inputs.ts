import type { Backup } from '../../domain/backup';
import type { Policy } from '../../domain/policy';
import { effectiveSettings } from '../../domain/policy-settings';
import { isFinished, type Restore } from '../../domain/restore';
import type { BrakeOptions, RetentionBackup } from '../../domain/retention/plan-types';
import type { RetentionPolicy } from '../../domain/retention/policy';
import type { Source } from '../../domain/source';
import type { Catalog } from '../../ports/catalog';
import { allPages } from '../all-pages';

/** What retention reads from the catalog, and how catalog records become the planner's input. */
const PAGE = 100;

/** Every item of a paged catalog listing, in the listing's order. */
/** Every backup of a tenant (or of one of its sources), newest first. */
export function loadBackups(catalog: Pick<Catalog, 'backups'>, tenantId: string, sourceId?: string): Promise<Backup[]> {
  return allPages((page) =>
    catalog.backups.list(tenantId, { ...page, ...(sourceId === undefined ? {} : { sourceId }) }),
  );
}

export async function loadSources(catalog: Pick<Catalog, 'sources'>, tenantId: string): Promise<Map<string, Source>> {
  const sources = await allPages((page) => catalog.sources.list(tenantId, page));
  return new Map(sources.map((source) => [source.id, source]));
}

export interface OpenRestores {
  /** Backups that open restores read from. */
  readonly backupIds: Set<string>;
  /** Pre-restore backups of open restores. */
  readonly preRestoreIds: Set<string>;
}

function addOpen(into: OpenRestores, restore: Restore): void {
  if (isFinished(restore)) return;
  into.backupIds.add(restore.backupId);
  if (restore.preRestoreBackupId !== undefined) into.preRestoreIds.add(restore.preRestoreBackupId);
}

/** Open restores of the tenant: all pages, or only the newest page (`newestOnly`: the re-check before a delete). */
export async function loadOpenRestores(
  catalog: Pick<Catalog, 'restores'>,
  tenantId: string,
  options: { newestOnly?: boolean } = {},
): Promise<OpenRestores> {
  const restores = options.newestOnly
    ? (await catalog.restores.list(tenantId, { limit: PAGE })).items
    : await allPages((page) => catalog.restores.list(tenantId, page));
  const open: OpenRestores = { backupIds: new Set(), preRestoreIds: new Set() };
  for (const restore of restores) addOpen(open, restore);
  return open;
}

/** A catalog backup as the planner sees it; an Object Lock retention recorded by an earlier run counts until it ends. */
export function toRetentionBackup(backup: Backup, now: Date): RetentionBackup {
  const locked = backup.lockedUntil !== undefined && Date.parse(backup.lockedUntil) > now.getTime();
  const copyOf = backup.kind === 'snapshot' ? backup.copyOf : undefined;
  return {
    id: backup.id,
    sourceId: backup.sourceId,
    tenantId: backup.tenantId,
    createdAt: backup.createdAt,
    status: backup.status,
    trigger: backup.trigger,
    ...(backup.legalHold === undefined ? {} : { legalHold: true }),
    ...(locked ? { locked: true } : {}),
    ...(copyOf === undefined ? {} : { copyOf }),
  };
}

/**
 * A source's retention policy: its own, else the one its policies agree on (domain/policy-settings.ts); none, a
 * conflict or a deleted source → the empty policy, which keeps everything.
 */
export function policyOf(source: Source | undefined, policies: readonly Policy[]): RetentionPolicy {
  return source === undefined ? {} : (effectiveSettings(source, policies).settings.retention ?? {});
}

export interface BrakeSettings {
  readonly maxDeleteShare: number;
  readonly maxDeleteCount?: number | undefined;
}

export function brakeFor(settings: BrakeSettings, sources: Iterable<Source>): BrakeOptions {
  const acknowledged: Record<string, number> = {};
  for (const source of sources) {
    if (source.retentionBrake !== undefined) acknowledged[source.id] = source.retentionBrake.deletions;
  }
  return {
    maxDeleteShare: settings.maxDeleteShare,
    ...(settings.maxDeleteCount === undefined ? {} : { maxDeleteCount: settings.maxDeleteCount }),
    acknowledged,
  };
}
