import { z } from 'zod';
import { ID_PREFIXES, type IdKind, isId, isTenantId } from '../domain/ids';

/** Ids in requests and workflow inputs: a malformed one is a 400 (or a state error), never a key lookup. */
export const tenantIdSchema = z.string().refine(isTenantId, 'must be a tenant id');

export function idSchema(kind: IdKind) {
  const shape =
    kind === 'policy' || kind === 'webhook'
      ? 'lowercase letters, digits and dashes, at most 47'
      : kind === 'audit'
        ? 'aud_ and 12 digits'
        : `${ID_PREFIXES[kind]}_…`;
  return z.string().refine((value) => isId(kind, value), `must be a ${kind} id (${shape})`);
}
