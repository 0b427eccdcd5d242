import { json } from '../../shared/http';
import { apiHandler } from '../../shared/middleware';

/** Liveness of the API itself; no auth, no dependencies. */
export const handler = apiHandler(async () => json(200, { status: 'ok', service: 'strongbox' }));
