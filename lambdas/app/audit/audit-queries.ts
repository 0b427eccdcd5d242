import { type AuditEntry, type ChainCheck, verifyChain } from '../../domain/audit';
import type { Catalog, Page, PageRequest } from '../../ports/catalog';
import { allPages } from '../all-pages';
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
  const entries = (await allPages((page) => catalog.audit.list(tenantId, page))).reverse();
  const [first] = entries;
  const head = entries.at(-1);
  const check: ChainCheck =
    first !== undefined && first.seq !== 1
      ? { ok: false, checked: 0, brokenAt: { seq: first.seq, reason: 'the chain does not start at entry 1' } }
      : verifyChain(entries, sha256Hex);
  return { ...check, ...(head ? { head: { seq: head.seq, hash: head.hash } } : {}) };
}
