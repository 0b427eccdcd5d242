import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { recordAudit } from '../app/audit/record-audit';
import type { AuditFacts, AuditResult } from '../domain/audit';
import { isTenantId } from '../domain/ids';
import { type Principal, principalFromEvent } from '../shared/auth';
import { OPERATIONS } from '../shared/openapi/operations';
import { logger, METRIC, metrics } from '../shared/powertools';
import { caller, isKnownTenant } from './caller';
import { runtime } from './wiring';

/**
 * The audit trail's writers (docs/audit.md): the API records every mutating call (whatever its answer), workflow
 * steps every outcome they publish. Best effort: the call or outcome already happened, so a failed write is logged
 * and counted (AuditNotRecorded, alarmed) rather than turned into a failure of what it records.
 */
export async function audit(facts: AuditFacts): Promise<void> {
  try {
    await recordAudit(runtime(), facts);
  } catch (error) {
    metrics.addMetric(METRIC.auditNotRecorded, MetricUnit.Count, 1);
    logger.error('audit entry not recorded', { action: facts.action, tenantId: facts.tenantId, error: error as Error });
  }
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const KIND_BY_COLLECTION: Record<string, string> = {
  sources: 'source',
  backups: 'backup',
  restores: 'restore',
  policies: 'policy',
  webhooks: 'webhook',
  tenants: 'tenant',
  retention: 'retention',
  schedules: 'schedules',
};

function resultOf(status: number): AuditResult {
  return status < 400 ? 'succeeded' : status < 500 ? 'refused' : 'failed';
}

function parsed(body: string | undefined): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body ?? '');
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The tenant whose trail records the call: an operator's call on a tenant route the path's tenant, else the acting
 * tenant as the handler resolved it (none: not recorded). A tenant never writes into another tenant's trail, and an
 * operator's call on a tenant that does not exist (404) starts no trail in its name.
 */
async function tenantOf(event: APIGatewayProxyEvent, principal: Principal): Promise<string | undefined> {
  if (event.resource.startsWith('/v1/tenants/') && principal.roles.includes('operator')) {
    const id = event.pathParameters?.id ?? '';
    return isTenantId(id) && (await isKnownTenant(principal, id)) ? id : undefined;
  }
  return caller(event).then(
    (known) => known.tenantId,
    () => undefined,
  );
}

/** What one API call was: who, on which tenant, which operation on which record, and how it was answered. */
async function apiCallFacts(
  event: APIGatewayProxyEvent,
  response: APIGatewayProxyResult,
  at: string,
): Promise<AuditFacts | undefined> {
  let principal: Principal;
  try {
    principal = principalFromEvent(event);
  } catch {
    return undefined; // unauthenticated: API Gateway's access log has it, no tenant's trail does
  }
  const tenantId = await tenantOf(event, principal);
  if (tenantId === undefined) return undefined;
  const operation = OPERATIONS.find((op) => op.method === event.httpMethod && op.path === event.resource);
  const body = parsed(response.body);
  const collection = event.resource.split('/')[2] ?? '';
  const kind = operation?.idKind ?? KIND_BY_COLLECTION[collection] ?? collection;
  const pathId = event.pathParameters?.id;
  const createdId = response.statusCode < 300 && typeof body?.id === 'string' ? body.id : undefined;
  const targetId = (pathId ?? createdId)?.slice(0, 64);
  const error = body?.error as { code?: unknown } | undefined;
  return {
    tenantId,
    at,
    actor: { subject: principal.subject, roles: principal.roles },
    action: operation?.operationId ?? `${event.httpMethod} ${event.resource}`,
    ...(targetId ? { target: { kind, id: targetId } } : {}),
    result: resultOf(response.statusCode),
    httpStatus: response.statusCode,
    ...(typeof error?.code === 'string' ? { code: error.code } : {}),
    requestId: event.requestContext?.requestId ?? 'unknown',
  };
}

/** Records every mutating API call after it was answered (success or error: httpErrors has set the response). */
export function auditTrail(): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  const record = async (request: { event: APIGatewayProxyEvent; response?: APIGatewayProxyResult | null }) => {
    if (READ_METHODS.has(request.event.httpMethod) || !request.response) return;
    try {
      const facts = await apiCallFacts(request.event, request.response, runtime().clock.now().toISOString());
      if (facts) await audit(facts);
    } catch (error) {
      metrics.addMetric(METRIC.auditNotRecorded, MetricUnit.Count, 1);
      logger.error('audit entry not recorded', { route: request.event.resource, error: error as Error });
    }
  };
  return { after: record, onError: record };
}
