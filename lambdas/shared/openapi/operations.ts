import { AUTOMATION_OPERATIONS } from './operations-automation';
import { DATA_OPERATIONS } from './operations-data';

export type { Operation } from './operation';

/** Every operation of the tenant API: sources, backups, restores and retention; then policies, webhooks, the document. */
export const OPERATIONS = [...DATA_OPERATIONS, ...AUTOMATION_OPERATIONS];
