import type { Readable } from 'node:stream';
import type { DumpFormat } from '../domain/backup';
import type { ManifestTable, PartitionedTable } from '../domain/manifest';
import type { DatabaseEngine } from '../domain/source';

/** A connection to one database. The password is held in memory only; adapters pass it via a 0600 file. */
export interface DatabaseConnection {
  readonly engine: DatabaseEngine;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly username: string;
  readonly password: string;
}

export interface ServerInfo {
  readonly serverVersion: string;
  /** Bytes on disk for the database: the basis of the multipart part size. */
  readonly sizeBytes: number;
}

/** Result of streaming a dump into the vault. */
export interface DumpResult {
  readonly format: DumpFormat;
  readonly toolName: string;
  readonly toolVersion: string;
  readonly toolOptions: readonly string[];
  readonly rawBytes: number;
  readonly storedBytes: number;
  readonly sha256: string;
  readonly object: { readonly key: string; readonly versionId?: string; readonly partCount: number };
  readonly tables: readonly ManifestTable[];
  /** PostgreSQL partitioned tables and their leaf partitions. */
  readonly partitioned?: readonly PartitionedTable[];
}

export interface DumpRequest {
  readonly connection: DatabaseConnection;
  readonly key: string;
  readonly partSize: number;
}

/**
 * Streams dump → compression → SHA-256 → multipart upload. Resolves only when the tool exited 0 and the upload
 * completed; on any failure the upload is aborted and a DumpFailedError or VaultError is thrown.
 */
export interface DumpWriter {
  readonly format: DumpFormat;
  describe(connection: DatabaseConnection): Promise<ServerInfo>;
  write(request: DumpRequest): Promise<DumpResult>;
}

export interface LoadRequest {
  readonly connection: DatabaseConnection;
  /**
   * Opens the compressed object as stored in the vault (pinned to the version that was verified). A loader may
   * open it more than once: e.g. first to read the PostgreSQL table of contents for a subset, then to load.
   */
  open(): Promise<Readable>;
  readonly tables: readonly string[];
  readonly schemas: readonly string[];
  /** SHA-256 the stored bytes must have; the load fails (ChecksumMismatchError) if they differ. */
  readonly expectedSha256: string;
}

export interface DumpLoader {
  readonly format: DumpFormat;
  load(request: LoadRequest): Promise<void>;
}

/** Administrative operations on a database server (connected with the source's credentials). */
export interface DatabaseAdmin {
  databaseExists(server: DatabaseConnection, name: string): Promise<boolean>;
  createDatabase(server: DatabaseConnection, name: string): Promise<void>;
  dropDatabase(server: DatabaseConnection, name: string): Promise<void>;
  /** Exact row counts of every user table, as `schema.table` (PostgreSQL) or `table` (MySQL). */
  rowCounts(connection: DatabaseConnection): Promise<ReadonlyMap<string, number>>;
}

export interface DatabaseEngines {
  writer(engine: DatabaseEngine): DumpWriter;
  loader(engine: DatabaseEngine): DumpLoader;
  admin(engine: DatabaseEngine): DatabaseAdmin;
}
