import type { APIGatewayProxyEvent } from 'aws-lambda';
import { NotFoundError } from '../domain/errors';
import { actingTenant, type Principal, principalFromEvent } from '../shared/auth';
import { runtime } from './wiring';

export interface Caller {
  readonly principal: Principal;
  /** The tenant the call acts on: the token's, or (operators) the one the Strongbox-Tenant header names. */
  readonly tenantId: string;
}

/**
 * Who calls and on which tenant. An operator naming a tenant the registry does not know gets a 404 before anything
 * is read or written in that tenant's name.
 */
export async function caller(event: Pick<APIGatewayProxyEvent, 'headers' | 'requestContext'>): Promise<Caller> {
  const principal = principalFromEvent(event);
  const tenantId = actingTenant(event, principal);
  if (tenantId !== principal.tenantId && (await runtime().catalog.tenants.get(tenantId)) === undefined) {
    throw new NotFoundError('tenant', tenantId);
  }
  return { principal, tenantId };
}
