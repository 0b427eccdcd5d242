import { apiHandler } from '../shared/middleware';
import { auditTrail } from './audit-trail';

/** The chain of the tenant API's handlers: apiHandler with the audit trail of every mutating call. */
export const tenantApiHandler = (fn: Parameters<typeof apiHandler>[0]) => apiHandler(fn, auditTrail());
