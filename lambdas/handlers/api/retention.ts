import { apiHandler } from '../../shared/middleware';
import { unknownRoute } from '../../shared/requests';

/** `/v1/retention/…` and `/v1/backups/{id}/hold`. WORK IN PROGRESS. */
export const handler = apiHandler(async (event) => unknownRoute(event));
