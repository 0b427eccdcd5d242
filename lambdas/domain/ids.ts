/**
 * Identifiers. Resource ids are `<prefix>_<ULID>`: sortable by creation time, so "newest first" is a key order.
 * Generating them needs a clock and randomness, which the domain does not have: see ports/runtime.ts.
 */
export const ID_PREFIXES = { source: 'src', backup: 'bkp', restore: 'rst', pruneRun: 'prn' } as const;
export type IdKind = keyof typeof ID_PREFIXES;

const ULID = '[0-9A-HJKMNP-TV-Z]{26}';
const ID_PATTERNS: Record<IdKind, RegExp> = {
  source: new RegExp(`^src_${ULID}$`),
  backup: new RegExp(`^bkp_${ULID}$`),
  restore: new RegExp(`^rst_${ULID}$`),
  pruneRun: new RegExp(`^prn_${ULID}$`),
};

export function isId(kind: IdKind, value: string): boolean {
  return ID_PATTERNS[kind].test(value);
}

export function formatId(kind: IdKind, ulid: string): string {
  return `${ID_PREFIXES[kind]}_${ulid}`;
}

/** Tenant ids come from the authenticated identity; this is their shape. */
export const TENANT_ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function isTenantId(value: string): boolean {
  return TENANT_ID_PATTERN.test(value);
}
