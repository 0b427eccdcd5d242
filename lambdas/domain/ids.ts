/**
 * Identifiers. Generated resource ids are `<prefix>_<ULID>`: sortable by creation time, so "newest first" is a key
 * order. Generating them needs a clock and randomness, which the domain does not have: see ports/runtime.ts.
 * Policy and webhook ids are the exception: the tenant names them (`PUT /v1/policies/{id}`, `PUT /v1/webhooks/{id}`),
 * lowercase letters, digits, dashes.
 */
export const ID_PREFIXES = {
  source: 'src',
  backup: 'bkp',
  restore: 'rst',
  pruneRun: 'prn',
  dispatch: 'dsp',
  webhookDelivery: 'whd',
} as const;
export type GeneratedIdKind = keyof typeof ID_PREFIXES;
/** `audit`: `aud_` and a 12-digit position in the tenant's audit chain (domain/audit.ts). */
export type IdKind = GeneratedIdKind | 'policy' | 'webhook' | 'audit';

/** Policy ids: 1–47 lowercase letters, digits and dashes; policy id + '.' + schedule name fit Scheduler's 64. */
export const POLICY_ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,45}[a-z0-9])?$/;

const ULID = '[0-9A-HJKMNP-TV-Z]{26}';
const ID_PATTERNS: Record<IdKind, RegExp> = {
  source: new RegExp(`^src_${ULID}$`),
  backup: new RegExp(`^bkp_${ULID}$`),
  restore: new RegExp(`^rst_${ULID}$`),
  pruneRun: new RegExp(`^prn_${ULID}$`),
  dispatch: new RegExp(`^dsp_${ULID}$`),
  webhookDelivery: new RegExp(`^whd_${ULID}$`),
  policy: POLICY_ID_PATTERN,
  // Tenant-chosen like policy ids (lambdas/domain/webhook.ts also reserves the route names).
  webhook: POLICY_ID_PATTERN,
  audit: /^aud_\d{12}$/,
};

export function isId(kind: IdKind, value: string): boolean {
  return ID_PATTERNS[kind].test(value);
}

export function formatId(kind: GeneratedIdKind, ulid: string): string {
  return `${ID_PREFIXES[kind]}_${ulid}`;
}

/** Tenant ids come from the authenticated identity; this is their shape. */
export const TENANT_ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function isTenantId(value: string): boolean {
  return TENANT_ID_PATTERN.test(value);
}
