import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ForbiddenError, NotFoundError } from '../domain/errors';
import { type IdKind, isId } from '../domain/ids';
import type { Principal, Role } from './auth';

const RESOURCE_NAMES: Record<IdKind, string> = {
  source: 'source',
  backup: 'backup',
  restore: 'restore',
  pruneRun: 'prune run',
  dispatch: 'dispatch',
  policy: 'policy',
  webhook: 'webhook',
  webhookDelivery: 'webhook delivery',
  audit: 'audit entry',
};

/** An id from the path. A malformed id names nothing, so it is a 404 like an unknown one. */
export function pathId(event: Pick<APIGatewayProxyEvent, 'pathParameters'>, kind: IdKind): string {
  const id = event.pathParameters?.id ?? '';
  if (!isId(kind, id)) throw new NotFoundError(RESOURCE_NAMES[kind], id.slice(0, 64));
  return id;
}

export function query(event: Pick<APIGatewayProxyEvent, 'queryStringParameters'>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(event.queryStringParameters ?? {}).filter(([, value]) => value !== undefined),
  ) as Record<string, string>;
}

/** Tenant admins manage sources; members read, back up, download and restore. Operators are above both. */
export function requireRole(principal: Principal, role: Role): void {
  const rank: Record<Role, number> = { member: 1, admin: 2, operator: 3 };
  const best = Math.max(0, ...principal.roles.map((held) => rank[held]));
  if (best < rank[role]) throw new ForbiddenError(`this operation needs the ${role} role`);
}

export function routeKey(event: Pick<APIGatewayProxyEvent, 'httpMethod' | 'resource'>): string {
  return `${event.httpMethod} ${event.resource}`;
}

export function unknownRoute(event: Pick<APIGatewayProxyEvent, 'httpMethod' | 'resource'>): never {
  throw new NotFoundError('route', routeKey(event));
}
