import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ForbiddenError, UnauthenticatedError } from '../domain/errors';

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

/** The tenant the call acts on; tokens without one (platform operators) cannot use tenant routes. */
export function requireTenant(principal: Principal): string {
  if (!principal.tenantId) {
    throw new ForbiddenError(
      'this route acts on a tenant and the token carries none (operator tokens act through the restore state machine)',
    );
  }
  return principal.tenantId;
}
