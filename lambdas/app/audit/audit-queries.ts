import { type AuditEntry, type ChainCheck, verifyChain } from '../../domain/audit';
import type { Catalog, Page, PageRequest } from '../../ports/catalog';
import { sha256Hex } from './record-audit';

/** A page of the tenant's audit trail, newest first. */
export async function listAudit(
  catalog: Pick<Catalog, 'audit'>,
  tenantId: string,
  page: PageRequest,
): Promise<Page<AuditEntry>> {
  return catalog.audit.list(tenantId, page);
}

export interface AuditVerification extends ChainCheck {
  /** The last entry's position and hash (the chain's head), to compare with a copy kept elsewhere. */
  readonly head?: { readonly seq: number; readonly hash: string };
}

/**
 * Re-computes the tenant's whole chain from its first entry: every hash, every link, no gaps. Walks the trail newest
 * first a page at a time and checks it oldest first; a tenant's trail of 100,000 entries is about 1,000 reads.
 */
export async function verifyAudit(catalog: Pick<Catalog, 'audit'>, tenantId: string): Promise<AuditVerification> {
  const entries: AuditEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await catalog.audit.list(tenantId, { limit: 100, ...(cursor ? { cursor } : {}) });
    entries.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  entries.reverse();
  const head = entries.at(-1);
  const check = verifyChain(entries, sha256Hex);
  const missingStart = entries.length > 0 && entries[0]?.seq !== 1;
  const result: ChainCheck = missingStart
    ? { ok: false, checked: 0, brokenAt: { seq: entries[0]?.seq ?? 0, reason: 'the chain does not start at entry 1' } }
    : check;
  return { ...result, ...(head ? { head: { seq: head.seq, hash: head.hash } } : {}) };
}
