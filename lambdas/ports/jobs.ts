/** Starts work that outlives the request that asked for it. */
export interface BackupJobs {
  /** Starts the dump worker for a pending backup (asynchronously). */
  startDump(input: { tenantId: string; backupId: string }): Promise<void>;
  /** Starts a checksum re-read of a stored backup (asynchronously). */
  startVerify(input: { tenantId: string; backupId: string }): Promise<void>;
}

/** Starts the snapshot backup state machine for a pending snapshot backup (execution named after the backup). */
export interface SnapshotBackupWorkflow {
  start(input: { tenantId: string; backupId: string }): Promise<void>;
}

/** Resumes a state machine task that waits for a token (the restore approval gate). */
export interface TaskTokens {
  succeed(token: string, output: unknown): Promise<void>;
  fail(token: string, error: { name: string; cause: string }): Promise<void>;
}

export interface RestoreWorkflow {
  /** The execution ARN a restore gets (the execution is named after the restore id). */
  executionArnFor(restoreId: string): string;
  /** Starts the restore state machine. Starting the same restore twice is not an error. */
  start(input: { tenantId: string; restoreId: string }): Promise<void>;
}

/** Refuses hosts Strongbox must not connect to (SSRF guard): resolves the name and checks every address. */
export interface HostGuard {
  check(host: string): Promise<void>;
}
