import { type Backup, DEFAULT_COMPRESSION, failBackup, startBackup, succeedBackup } from '../../domain/backup';
import { NotFoundError, StaleStateError } from '../../domain/errors';
import { buildDumpManifest, totalRows } from '../../domain/manifest';
import { choosePartSize } from '../../domain/part-size';
import { backupKeys } from '../../domain/vault-layout';
import type { Catalog } from '../../ports/catalog';
import type { DatabaseEngines } from '../../ports/databases';
import type { HostGuard } from '../../ports/jobs';
import type { Clock } from '../../ports/runtime';
import type { SecretStore } from '../../ports/secrets';
import type { Vault } from '../../ports/vault';
import { getSource, requireDatabaseSource } from '../sources/source-queries';
import { requireDumpBackup } from './backup-queries';
import { describeFailure } from './failure';
import { removeBackupObjects } from './remove-backup-objects';

export interface RunBackupDeps {
  readonly catalog: Pick<Catalog, 'sources' | 'backups'>;
  readonly secrets: SecretStore;
  readonly hostGuard: HostGuard;
  readonly engines: Pick<DatabaseEngines, 'writer'>;
  readonly vault: Vault;
  readonly clock: Clock;
}

/**
 * The dump worker: pending → running → succeeded | failed. Succeeded only when the writer streamed the dump into
 * the vault (tool exited 0, part count and size checked), and the manifest was written last. On any failure the
 * backup is failed with a redacted reason and nothing is left in the vault that could pass for a backup.
 * A second delivery of the same request finds the backup no longer pending and changes nothing.
 */
export async function runBackup(deps: RunBackupDeps, input: { tenantId: string; backupId: string }): Promise<Backup> {
  const found = await deps.catalog.backups.get(input.tenantId, input.backupId);
  if (!found) throw new NotFoundError('backup', input.backupId);
  const pending = requireDumpBackup(found, 'run by the dump worker');
  if (pending.status !== 'pending') return pending;

  const running = startBackup(pending, deps.clock.now());
  try {
    await deps.catalog.backups.save(running, 'pending');
  } catch (error) {
    if (error instanceof StaleStateError)
      return (await deps.catalog.backups.get(input.tenantId, input.backupId)) ?? pending;
    throw error;
  }

  const { data: objectKey, manifest: metaKey } = backupKeys(running);
  const secrets: string[] = [];
  try {
    const source = requireDatabaseSource(await getSource(deps.catalog, running.tenantId, running.sourceId));
    const password = await deps.secrets.getSourcePassword(source.tenantId, source.secretRef);
    secrets.push(password);
    await deps.hostGuard.check(source.host);

    const writer = deps.engines.writer(source.type);
    const connection = {
      engine: source.type,
      host: source.host,
      port: source.port,
      database: source.database,
      username: source.username,
      password,
    };
    const server = await writer.describe(connection);
    const partSize = choosePartSize(server.sizeBytes);
    const dump = await writer.write({ connection, key: objectKey, partSize });

    const manifest = buildDumpManifest({
      backup: running,
      source: {
        id: source.id,
        name: source.name,
        engine: source.type,
        host: source.host,
        port: source.port,
        database: source.database,
        username: source.username,
      },
      serverVersion: server.serverVersion,
      tool: { name: dump.toolName, version: dump.toolVersion, options: dump.toolOptions },
      startedAt: running.startedAt ?? running.createdAt,
      finishedAt: deps.clock.now().toISOString(),
      format: dump.format,
      object: {
        key: dump.object.key,
        ...(dump.object.versionId ? { versionId: dump.object.versionId } : {}),
        compression: DEFAULT_COMPRESSION,
        rawBytes: dump.rawBytes,
        storedBytes: dump.storedBytes,
        sha256: dump.sha256,
        partCount: dump.object.partCount,
        partSize,
      },
      tables: dump.tables,
      ...(dump.partitioned ? { partitioned: dump.partitioned } : {}),
    });
    const written = await deps.vault.putJsonOnce(metaKey, JSON.stringify(manifest, null, 2));

    const rowCount = totalRows(dump.tables);
    const succeeded = succeedBackup(
      running,
      {
        format: dump.format,
        compression: DEFAULT_COMPRESSION,
        object: { key: dump.object.key, ...(dump.object.versionId ? { versionId: dump.object.versionId } : {}) },
        manifest: { key: metaKey, ...(written.versionId ? { versionId: written.versionId } : {}) },
        rawBytes: dump.rawBytes,
        storedBytes: dump.storedBytes,
        sha256: dump.sha256,
        partCount: dump.object.partCount,
        partSize,
        tableCount: dump.tables.length,
        ...(rowCount === undefined ? {} : { rowCount }),
        serverVersion: server.serverVersion,
        toolVersion: dump.toolVersion,
      },
      deps.clock.now(),
    );
    await deps.catalog.backups.save(succeeded, 'running');
    return succeeded;
  } catch (error) {
    // Nothing that could pass for a backup stays behind: neither the data nor a manifest.
    await removeBackupObjects(deps.vault, running);
    const failed = failBackup(running, describeFailure(error, secrets), deps.clock.now());
    await deps.catalog.backups.save(failed, 'running');
    return failed;
  }
}
