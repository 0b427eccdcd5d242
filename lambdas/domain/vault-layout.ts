import {
  type Backup,
  type Compression,
  DEFAULT_COMPRESSION,
  DUMP_FORMATS,
  type DumpBackup,
  type DumpFormat,
} from './backup';

/** Vault keys (DESIGN.md §4). Every key starts with the tenant prefix; nothing is stored outside it. */
export function tenantPrefix(tenantId: string): string {
  return `tenants/${tenantId}/`;
}

export function backupPrefix(tenantId: string, sourceId: string, backupId: string): string {
  return `${tenantPrefix(tenantId)}sources/${sourceId}/${backupId}/`;
}

const EXTENSIONS: Record<DumpFormat, string> = { 'pg-custom': 'dump', 'mysql-sql': 'sql' };
const COMPRESSION_EXTENSIONS: Record<Compression, string> = { zstd: 'zst' };

export function dataKey(
  tenantId: string,
  sourceId: string,
  backupId: string,
  format: DumpFormat,
  compression: Compression,
): string {
  return `${backupPrefix(tenantId, sourceId, backupId)}data.${EXTENSIONS[format]}.${COMPRESSION_EXTENSIONS[compression]}`;
}

export function manifestKey(tenantId: string, sourceId: string, backupId: string): string {
  return `${backupPrefix(tenantId, sourceId, backupId)}manifest.json`;
}

export function downloadFileName(backupId: string, format: DumpFormat, compression: Compression): string {
  return `${backupId}.${EXTENSIONS[format]}.${COMPRESSION_EXTENSIONS[compression]}`;
}

/** Where a dump backup's data and manifest live (or would live): derived from the backup alone. */
export function backupKeys(backup: Pick<DumpBackup, 'tenantId' | 'sourceId' | 'id' | 'engine'>): {
  data: string;
  manifest: string;
} {
  return {
    data: dataKey(backup.tenantId, backup.sourceId, backup.id, DUMP_FORMATS[backup.engine], DEFAULT_COMPRESSION),
    manifest: manifestKey(backup.tenantId, backup.sourceId, backup.id),
  };
}

/** The vault keys a backup's record names: a dump's data object and manifest, a snapshot backup's manifest. */
export function recordedKeys(backup: Backup): string[] {
  return [
    ...(backup.kind === 'dump' && backup.object ? [backup.object.key] : []),
    ...(backup.manifest ? [backup.manifest.key] : []),
  ];
}
