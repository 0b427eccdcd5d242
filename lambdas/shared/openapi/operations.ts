import { AUTOMATION_OPERATIONS } from './operations-automation';
import { DATA_OPERATIONS } from './operations-data';
import { PLATFORM_OPERATIONS } from './operations-platform';

export type { Operation } from './operation';

/**
 * Every operation of the tenant API: sources, backups, restores and retention; policies, webhooks, the document; then
 * operators' routes and the audit trail.
 */
export const OPERATIONS = [...DATA_OPERATIONS, ...AUTOMATION_OPERATIONS, ...PLATFORM_OPERATIONS];
