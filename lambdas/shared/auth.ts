import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ForbiddenError, UnauthenticatedError, ValidationError } from '../domain/errors';
import { isTenantId } from '../domain/ids';

export const ROLES = ['member', 'admin', 'operator'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, as the authorizer established it. The tenant id comes from here and nowhere else. */
export interface Principal {
  readonly subject: string;
  readonly tenantId?: string;
  readonly roles: readonly Role[];
}

/** The authorizer's context values (API Gateway passes them as strings). Contract with api/authorizer.ts. */
export interface AuthorizerContext {
  readonly subject: string;
  readonly tenantId: string;
  /** Comma-separated roles. */
  readonly roles: string;
}

export function principalFromEvent(event: Pick<APIGatewayProxyEvent, 'requestContext'>): Principal {
  const context = event.requestContext?.authorizer as Partial<AuthorizerContext> | null | undefined;
  if (!context?.subject) throw new UnauthenticatedError('missing or invalid credentials');
  const roles = (context.roles ?? '')
    .split(',')
    .map((role) => role.trim())
    .filter((role): role is Role => (ROLES as readonly string[]).includes(role));
  return { subject: context.subject, ...(context.tenantId ? { tenantId: context.tenantId } : {}), roles };
}

/** The header an operator names the tenant with on tenant routes (docs/operators.md). */
export const TENANT_HEADER = 'strongbox-tenant';

function header(event: Pick<APIGatewayProxyEvent, 'headers'>, name: string): string | undefined {
  return Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1] ?? undefined;
}

/**
 * The tenant the call acts on. A tenant's token acts on its own tenant only: the tenant comes from the token, and a
 * `Strongbox-Tenant` header naming another tenant is refused (403). An operator's token names the tenant with that
 * header; without it, tenant routes are refused (403).
 */
export function actingTenant(event: Pick<APIGatewayProxyEvent, 'headers'>, principal: Principal): string {
  const named = header(event, TENANT_HEADER);
  if (named !== undefined) {
    if (!principal.roles.includes('operator')) {
      if (named === principal.tenantId) return named;
      throw new ForbiddenError('only operators act on another tenant: the tenant comes from the token');
    }
    if (!isTenantId(named)) {
      throw new ValidationError('Strongbox-Tenant is not a tenant id', [
        { path: 'Strongbox-Tenant', message: 'is not a tenant id' },
      ]);
    }
    return named;
  }
  if (!principal.tenantId) {
    throw new ForbiddenError(
      'this route acts on a tenant and the token carries none: operators name it with the Strongbox-Tenant header',
    );
  }
  return principal.tenantId;
}
