import { assignPlanSchema } from '../platform-schemas';
import { pageQuerySchema } from '../schemas';
import { type Operation, ok } from './operation';

/**
 * Operators' routes (all tenants, plans, pending approvals) and the audit trail (tenant admins; operators name the
 * tenant with the Strongbox-Tenant header). See operations.ts.
 */
export const PLATFORM_OPERATIONS: readonly Operation[] = [
  {
    method: 'GET',
    path: '/v1/tenants',
    operationId: 'listTenants',
    tag: 'operators',
    summary: 'Every tenant, by id, with the plan in force and its limits.',
    role: 'operator',
    query: pageQuerySchema,
    success: ok('A page of tenants.'),
  },
  {
    method: 'GET',
    path: '/v1/tenants/{id}',
    operationId: 'getTenant',
    tag: 'operators',
    summary: 'One tenant: its plan (assigned or the default) and limits.',
    role: 'operator',
    pathTenant: true,
    success: ok('The tenant.'),
    errors: [404],
  },
  {
    method: 'PUT',
    path: '/v1/tenants/{id}',
    operationId: 'assignTenantPlan',
    tag: 'operators',
    summary: "Assign a tenant's plan (a new tenant id onboards the tenant).",
    role: 'operator',
    pathTenant: true,
    body: assignPlanSchema,
    example: { plan: 'business' },
    success: ok('The tenant with its new plan.'),
  },
  {
    method: 'GET',
    path: '/v1/approvals',
    operationId: 'listPendingApprovals',
    tag: 'operators',
    summary: 'Restores of every tenant waiting for approval, oldest first.',
    role: 'operator',
    success: ok('`{items}`: restores with their tenant; approve or reject one with the Strongbox-Tenant header.'),
  },
  {
    method: 'GET',
    path: '/v1/audit',
    operationId: 'listAudit',
    tag: 'audit',
    summary: "The tenant's audit trail, newest first: every mutating call and every workflow outcome, hash-chained.",
    role: 'admin',
    query: pageQuerySchema,
    success: ok('A page of audit entries (`seq`, `prevHash`, `hash`, who, action, target, result, request id).'),
  },
  {
    method: 'GET',
    path: '/v1/audit/verify',
    operationId: 'verifyAudit',
    tag: 'audit',
    summary: "Re-computes the tenant's whole audit chain and reports the first broken link, and the chain's head.",
    role: 'admin',
    success: ok('`{ok, checked, brokenAt?, head?}`.'),
  },
];
