import type { APIGatewayProxyEvent } from 'aws-lambda';
import { NotFoundError } from '../domain/errors';
import { actingTenant, type Principal, principalFromEvent } from '../shared/auth';
import { runtime } from './wiring';

export interface Caller {
  readonly principal: Principal;
  /** The tenant the call acts on: the token's, or (operators) the one the Strongbox-Tenant header names. */
  readonly tenantId: string;
}

type CallerEvent = Pick<APIGatewayProxyEvent, 'headers' | 'requestContext'>;

/** One answer per request: the handler asks first, the audit trail (handlers/audit-trail.ts) asks again after. */
const answers = new WeakMap<CallerEvent, Promise<Caller>>();

/** Whether `tenantId` may be acted on by `principal`: its own tenant, or one the registry knows. */
export async function isKnownTenant(principal: Principal, tenantId: string): Promise<boolean> {
  return tenantId === principal.tenantId || (await runtime().catalog.tenants.get(tenantId)) !== undefined;
}

async function resolve(event: CallerEvent): Promise<Caller> {
  const principal = principalFromEvent(event);
  const tenantId = actingTenant(event, principal);
  if (!(await isKnownTenant(principal, tenantId))) throw new NotFoundError('tenant', tenantId);
  return { principal, tenantId };
}

/**
 * Who calls and on which tenant. An operator naming a tenant the registry does not know gets a 404 before anything
 * is read or written in that tenant's name.
 */
export function caller(event: CallerEvent): Promise<Caller> {
  let answer = answers.get(event);
  if (answer === undefined) {
    answer = resolve(event);
    answers.set(event, answer);
  }
  return answer;
}
