import type { BackupTrigger, Compression, DumpFormat } from './backup';
import type { DatabaseEngine } from './source';

/**
 * The manifest is written next to the data, last, and never rewritten. It carries everything needed to
 * understand and restore the backup without the catalog (the catalog can be rebuilt from manifests), and
 * nothing secret. Bump MANIFEST_SCHEMA_VERSION on any incompatible change and keep readers for old ones.
 */
export const MANIFEST_SCHEMA_VERSION = 1;

export interface ManifestTable {
  /** PostgreSQL schema; absent for MySQL. */
  readonly schema?: string;
  readonly name: string;
  /** Rows written to the dump for this table, when the engine lets Strongbox count them. */
  readonly rows?: number;
}

/** A PostgreSQL partitioned table: it holds no rows itself; its leaf partitions (`schema.name`) do. */
export interface PartitionedTable {
  readonly schema?: string;
  readonly name: string;
  readonly partitions: readonly string[];
}

export interface DumpManifest {
  readonly schemaVersion: typeof MANIFEST_SCHEMA_VERSION;
  readonly kind: 'dump';
  readonly backupId: string;
  readonly tenantId: string;
  readonly trigger: BackupTrigger;
  readonly source: {
    readonly id: string;
    readonly name: string;
    readonly engine: DatabaseEngine;
    readonly host: string;
    readonly port: number;
    readonly database: string;
    readonly username: string;
  };
  readonly engine: { readonly name: DatabaseEngine; readonly serverVersion: string };
  readonly tool: { readonly name: string; readonly version: string; readonly options: readonly string[] };
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly format: DumpFormat;
  readonly object: {
    readonly key: string;
    readonly versionId?: string;
    readonly compression: Compression;
    readonly rawBytes: number;
    readonly storedBytes: number;
    readonly sha256: string;
    readonly partCount: number;
    readonly partSize: number;
  };
  /** Tables with data (for PostgreSQL: ordinary tables and leaf partitions). */
  readonly tables: readonly ManifestTable[];
  /** PostgreSQL partitioned tables and their leaf partitions (absent in manifests written before it existed). */
  readonly partitioned?: readonly PartitionedTable[];
}

export function qualifiedTableName(table: Pick<ManifestTable, 'schema' | 'name'>): string {
  return table.schema === undefined ? table.name : `${table.schema}.${table.name}`;
}

export function totalRows(tables: readonly ManifestTable[]): number | undefined {
  let total = 0;
  for (const table of tables) {
    if (table.rows === undefined) return undefined;
    total += table.rows;
  }
  return total;
}

export interface ManifestInput {
  readonly backup: { readonly id: string; readonly tenantId: string; readonly trigger: BackupTrigger };
  readonly source: DumpManifest['source'];
  readonly serverVersion: string;
  readonly tool: DumpManifest['tool'];
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly format: DumpFormat;
  readonly object: DumpManifest['object'];
  readonly tables: readonly ManifestTable[];
  readonly partitioned?: readonly PartitionedTable[];
}

export function buildDumpManifest(input: ManifestInput): DumpManifest {
  return {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    kind: 'dump',
    backupId: input.backup.id,
    tenantId: input.backup.tenantId,
    trigger: input.backup.trigger,
    source: input.source,
    engine: { name: input.source.engine, serverVersion: input.serverVersion },
    tool: input.tool,
    startedAt: input.startedAt,
    finishedAt: input.finishedAt,
    format: input.format,
    object: input.object,
    tables: input.tables,
    ...(input.partitioned && input.partitioned.length > 0 ? { partitioned: input.partitioned } : {}),
  };
}

/**
 * Resolves requested table names against the tables a backup holds. `schema.table` names one table; a bare
 * `table` names the table of that name in whichever schema holds it, and is ambiguous (an error) if several do.
 * A partitioned table resolves to its leaf partitions (which hold its rows).
 * Returns the resolved tables, or the names that are unknown or ambiguous.
 */
export function resolveTables(
  available: readonly ManifestTable[],
  requested: readonly string[],
  partitioned: readonly PartitionedTable[] = [],
): {
  readonly tables: readonly ManifestTable[];
  readonly unknown: readonly string[];
  readonly ambiguous: readonly string[];
} {
  const byName = new Map(available.map((table) => [qualifiedTableName(table), table]));
  const candidates: { name: string; bare: string; schema?: string; tables: ManifestTable[] }[] = [
    ...available.map((table) => ({
      name: qualifiedTableName(table),
      bare: table.name,
      ...(table.schema === undefined ? {} : { schema: table.schema }),
      tables: [table],
    })),
    ...partitioned.map((parent) => ({
      name: qualifiedTableName(parent),
      bare: parent.name,
      ...(parent.schema === undefined ? {} : { schema: parent.schema }),
      tables: parent.partitions.flatMap((partition) => byName.get(partition) ?? []),
    })),
  ];
  const tables: ManifestTable[] = [];
  const unknown: string[] = [];
  const ambiguous: string[] = [];
  for (const name of requested) {
    const exact = candidates.filter((candidate) => candidate.name === name);
    const matches =
      exact.length > 0
        ? exact
        : candidates.filter((candidate) => candidate.schema !== undefined && candidate.bare === name);
    if (matches.length === 0) unknown.push(name);
    else if (matches.length > 1) ambiguous.push(name);
    else for (const table of matches[0]?.tables ?? []) if (!tables.includes(table)) tables.push(table);
  }
  return { tables, unknown, ambiguous };
}
