import type { StrongboxEvent } from './events';

/**
 * The audit trail (docs/audit.md): every mutating API call and every workflow outcome of a tenant, one entry each, in
 * a hash chain per tenant. Entry n carries the hash of entry n-1 (`prevHash`; the first one a string of zeros) and its
 * own hash over its canonical form, so removing, reordering or editing any entry breaks every later hash. The domain
 * builds the canonical text; the digest (SHA-256) is the caller's (ports/runtime.ts has no crypto).
 */
export const AUDIT_RESULTS = ['succeeded', 'refused', 'failed'] as const;
export type AuditResult = (typeof AUDIT_RESULTS)[number];

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditActor {
  /** The token's subject, or `strongbox` for the service's own workflows. */
  readonly subject: string;
  readonly roles: readonly string[];
}

/** What the caller knows; the chain adds the position and the hashes. */
export interface AuditFacts {
  readonly tenantId: string;
  readonly at: string;
  readonly actor: AuditActor;
  /** The API operation (its OpenAPI operationId) or the workflow event type. */
  readonly action: string;
  /** The record acted on, when there is one: `{kind, id}` (an id only: never a secret or a body). */
  readonly target?: { readonly kind: string; readonly id: string };
  readonly result: AuditResult;
  /** The HTTP status of an API call; the error code of a refusal or failure. */
  readonly httpStatus?: number;
  readonly code?: string;
  /** API Gateway's request id, or the workflow's execution or record id. */
  readonly requestId: string;
}

export interface AuditEntry extends AuditFacts {
  /** `aud_` and the 12-digit position in the tenant's chain, from 1: key order is chain order. */
  readonly id: string;
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
}

export type Digest = (text: string) => string;

export function auditId(seq: number): string {
  return `aud_${String(seq).padStart(12, '0')}`;
}

/** The text an entry's hash covers: every field but `hash`, keys sorted at every level, no whitespace. */
export function canonicalText(entry: Omit<AuditEntry, 'hash'>): string {
  return canonical(entry);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const fields = Object.entries(value)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, field]) => `${JSON.stringify(name)}:${canonical(field)}`);
    return `{${fields.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The entry that follows `previous` (undefined: the tenant's first). */
export function chainEntry(previous: AuditEntry | undefined, facts: AuditFacts, digest: Digest): AuditEntry {
  const seq = (previous?.seq ?? 0) + 1;
  const unhashed = { ...facts, id: auditId(seq), seq, prevHash: previous?.hash ?? GENESIS_HASH };
  return { ...unhashed, hash: digest(canonicalText(unhashed)) };
}

export interface ChainCheck {
  readonly ok: boolean;
  readonly checked: number;
  /** The first entry that does not follow from the one before it, and why. */
  readonly brokenAt?: { readonly seq: number; readonly reason: string };
}

/**
 * Checks a run of consecutive entries in chain order (oldest first). The run may start anywhere: its first entry's
 * `prevHash` is taken on trust unless it is entry 1 (whose must be the genesis hash).
 */
export function verifyChain(entries: readonly AuditEntry[], digest: Digest): ChainCheck {
  for (const [index, entry] of entries.entries()) {
    const previous = entries[index - 1];
    const broken = (reason: string): ChainCheck => ({
      ok: false,
      checked: index,
      brokenAt: { seq: entry.seq, reason },
    });
    if (entry.id !== auditId(entry.seq)) return broken('id does not match its position');
    if (previous === undefined && entry.seq === 1 && entry.prevHash !== GENESIS_HASH) {
      return broken('the first entry does not start the chain');
    }
    if (previous !== undefined) {
      if (entry.seq !== previous.seq + 1) return broken(`expected entry ${previous.seq + 1}`);
      if (entry.prevHash !== previous.hash) return broken('prevHash is not the previous entry’s hash');
    }
    const { hash, ...unhashed } = entry;
    if (digest(canonicalText(unhashed)) !== hash) return broken('hash does not match the entry');
  }
  return { ok: true, checked: entries.length };
}

/** A workflow outcome (the event a step publishes) as the service's own audit entry. */
export function outcomeAuditFacts(event: StrongboxEvent): AuditFacts {
  const detail = event.detail as { backupId?: unknown; restoreId?: unknown; sourceId?: unknown; error?: unknown };
  const target =
    typeof detail.restoreId === 'string'
      ? { kind: 'restore', id: detail.restoreId }
      : typeof detail.backupId === 'string'
        ? { kind: 'backup', id: detail.backupId }
        : typeof detail.sourceId === 'string'
          ? { kind: 'source', id: detail.sourceId }
          : undefined;
  const code = (detail.error as { code?: unknown } | undefined)?.code;
  return {
    tenantId: event.tenantId,
    at: event.time,
    actor: { subject: 'strongbox', roles: [] },
    action: event.type,
    ...(target ? { target } : {}),
    result: /Failed$|Missed$/.test(event.type) ? 'failed' : 'succeeded',
    ...(typeof code === 'string' ? { code } : {}),
    requestId: target?.id ?? event.type,
  };
}
