import { RestoreCheckFailedError } from '../../domain/errors';
import { type DumpManifest, qualifiedTableName, resolveTables } from '../../domain/manifest';
import type { DatabaseEngines } from '../../ports/databases';
import type { Vault } from '../../ports/vault';
import { readManifest } from '../backups/read-manifest';
import { loadRestoreContext, type RestoreContextDeps } from './restore-context';

export interface CheckRestoreDeps extends RestoreContextDeps {
  readonly vault: Vault;
  readonly engines: Pick<DatabaseEngines, 'admin'>;
}

export interface RestoreCheck {
  readonly tables: number;
  readonly rows?: number;
}

function expectedTables(manifest: DumpManifest, tables: readonly string[], schemas: readonly string[]) {
  if (tables.length === 0 && schemas.length === 0) return manifest.tables;
  const selected = new Set(resolveTables(manifest.tables, tables, manifest.partitioned).tables);
  for (const table of manifest.tables)
    if (table.schema !== undefined && schemas.includes(table.schema)) selected.add(table);
  return [...selected];
}

/**
 * Proves the restore: every table the backup recorded (or the selection asked for) exists in the restored database,
 * with exactly the recorded row count where the backup counted rows.
 */
export async function checkRestore(
  deps: CheckRestoreDeps,
  input: { tenantId: string; restoreId: string },
): Promise<RestoreCheck> {
  const context = await loadRestoreContext(deps, input);
  const manifest = await readManifest(deps.vault, context.backup);
  const expected = expectedTables(manifest, context.restore.selection.tables, context.restore.selection.schemas);
  const actual = await deps.engines.admin(context.target.type).rowCounts(context.database);

  const problems: string[] = [];
  let rows = 0;
  for (const table of expected) {
    const name = qualifiedTableName(table);
    const count = actual.get(name);
    if (count === undefined) problems.push(`${name} is missing`);
    else if (table.rows !== undefined && count !== table.rows)
      problems.push(`${name} has ${count} rows, the backup ${table.rows}`);
    rows += count ?? 0;
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 10).join('; ');
    throw new RestoreCheckFailedError(
      `the restored database differs from the backup: ${shown}${problems.length > 10 ? ` (and ${problems.length - 10} more)` : ''}`,
    );
  }
  return { tables: expected.length, rows };
}
