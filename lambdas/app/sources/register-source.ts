import { type DatabaseEngine, DEFAULT_PORTS, type Source, type SourceView, toSourceView } from '../../domain/source';
import type { Catalog } from '../../ports/catalog';
import type { HostGuard } from '../../ports/jobs';
import type { Clock, IdGenerator } from '../../ports/runtime';
import type { SecretStore } from '../../ports/secrets';

export interface RegisterSourceDeps {
  readonly catalog: Pick<Catalog, 'sources'>;
  readonly secrets: SecretStore;
  readonly hostGuard: HostGuard;
  readonly ids: IdGenerator;
  readonly clock: Clock;
}

export interface RegisterSourceInput {
  readonly tenantId: string;
  readonly name: string;
  readonly type: DatabaseEngine;
  readonly host: string;
  readonly port?: number | undefined;
  readonly database: string;
  readonly username: string;
  readonly password: string;
}

/**
 * Registers a database source. The host is checked before anything is stored (SSRF guard); the password goes to
 * the secret store and only its reference to the catalog. If the catalog write fails, the secret is removed again,
 * so nothing is half-written.
 */
export async function registerSource(deps: RegisterSourceDeps, input: RegisterSourceInput): Promise<SourceView> {
  await deps.hostGuard.check(input.host);
  const id = deps.ids.next('source');
  const secretRef = await deps.secrets.putSourcePassword(input.tenantId, id, input.password);
  const source: Source = {
    tenantId: input.tenantId,
    id,
    name: input.name,
    type: input.type,
    host: input.host,
    port: input.port ?? DEFAULT_PORTS[input.type],
    database: input.database,
    username: input.username,
    secretRef,
    createdAt: deps.clock.now().toISOString(),
  };
  try {
    await deps.catalog.sources.create(source);
  } catch (error) {
    await deps.secrets.deleteSourcePassword(input.tenantId, secretRef).catch(() => undefined);
    throw error;
  }
  return toSourceView(source);
}
