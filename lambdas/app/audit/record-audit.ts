import { createHash } from 'node:crypto';
import { type AuditEntry, type AuditFacts, chainEntry, type Digest } from '../../domain/audit';
import { StaleStateError } from '../../domain/errors';
import type { Catalog } from '../../ports/catalog';

/** The chain's digest: SHA-256, hex. */
export const sha256Hex: Digest = (text) => createHash('sha256').update(text, 'utf8').digest('hex');

/** Enough for every writer of one tenant at once (API calls and workflow outcomes); each lost race costs two reads. */
const MAX_ATTEMPTS = 20;

/**
 * Appends one entry to the tenant's audit chain: reads the last entry, builds the next on it, and writes it at the
 * next position if that is still free. Another writer that was first makes this one start over on the new last entry,
 * so the chain never forks and no entry is lost to a race.
 */
export async function recordAudit(
  deps: { readonly catalog: Pick<Catalog, 'audit'> },
  facts: AuditFacts,
): Promise<AuditEntry> {
  for (let attempt = 1; ; attempt += 1) {
    const latest = await deps.catalog.audit.latest(facts.tenantId);
    const entry = chainEntry(latest, facts, sha256Hex);
    try {
      await deps.catalog.audit.append(entry);
      return entry;
    } catch (error) {
      if (!(error instanceof StaleStateError) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}
