/** Starts work that outlives the request that asked for it. */
export interface BackupJobs {
  /** Starts the dump worker for a pending backup (asynchronously). */
  startDump(input: { tenantId: string; backupId: string }): Promise<void>;
}

export interface RestoreWorkflow {
  /** Starts the restore state machine; returns the execution ARN. Same restore id twice → same execution. */
  start(input: { tenantId: string; restoreId: string }): Promise<{ executionArn: string }>;
}

/** Refuses hosts Strongbox must not connect to (SSRF guard): resolves the name and checks every address. */
export interface HostGuard {
  check(host: string): Promise<void>;
}
