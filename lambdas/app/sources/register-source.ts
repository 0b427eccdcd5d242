import {
  type DatabaseEngine,
  DEFAULT_PORTS,
  DEFAULT_SOURCE_SETTINGS,
  type SnapshotSourceType,
  type Source,
  type SourceSettings,
  type SourceView,
  toSourceView,
} from '../../domain/source';
import type { Catalog } from '../../ports/catalog';
import type { CloudResources } from '../../ports/cloud';
import type { HostGuard } from '../../ports/jobs';
import type { Clock, IdGenerator } from '../../ports/runtime';
import type { SecretStore } from '../../ports/secrets';
import { requireOwnedCloudResource } from '../snapshots/resource-ownership';
import { resolveSettings, type SettingsInput } from './source-settings';

export interface RegisterSourceDeps {
  readonly catalog: Pick<Catalog, 'sources' | 'tenants'>;
  readonly secrets: SecretStore;
  readonly hostGuard: HostGuard;
  readonly cloud: CloudResources;
  readonly ids: IdGenerator;
  readonly clock: Clock;
}

export type RegisterSettingsInput = SettingsInput;

export interface RegisterDatabaseSourceInput {
  readonly tenantId: string;
  readonly name: string;
  readonly type: DatabaseEngine;
  readonly host: string;
  readonly port?: number | undefined;
  readonly database: string;
  readonly username: string;
  readonly password: string;
  readonly tags?: Readonly<Record<string, string>> | undefined;
  readonly settings?: RegisterSettingsInput | undefined;
}

export interface RegisterSnapshotSourceInput {
  readonly tenantId: string;
  readonly name: string;
  readonly type: SnapshotSourceType;
  readonly resourceId: string;
  readonly region: string;
  readonly tags?: Readonly<Record<string, string>> | undefined;
  readonly settings?: RegisterSettingsInput | undefined;
}

export type RegisterSourceInput = RegisterDatabaseSourceInput | RegisterSnapshotSourceInput;

function isSnapshotInput(input: RegisterSourceInput): input is RegisterSnapshotSourceInput {
  return 'resourceId' in input;
}

async function settingsOf(
  deps: Pick<RegisterSourceDeps, 'cloud'>,
  input: RegisterSourceInput,
  region?: string,
): Promise<SourceSettings | undefined> {
  if (input.settings === undefined) return undefined;
  return resolveSettings(deps, {
    tenantId: input.tenantId,
    region,
    current: DEFAULT_SOURCE_SETTINGS,
    changes: input.settings,
  });
}

/**
 * Registers a source. A database: the host is checked before anything is stored (SSRF guard); the password goes to
 * the secret store and only its reference to the catalog, and if the catalog write fails the secret is removed again,
 * so nothing is half-written. A cloud resource (snapshot source): it must exist in its region and carry
 * `strongbox:tenant=<tenant>` (404 when missing or another tenant's, 403 when untagged); it has no secret.
 */
export async function registerSource(deps: RegisterSourceDeps, input: RegisterSourceInput): Promise<SourceView> {
  // The tenant registry lists tenants for account-wide jobs (the daily prune); registering again is a no-op.
  await deps.catalog.tenants.register(input.tenantId, deps.clock.now().toISOString());
  if (isSnapshotInput(input)) return registerSnapshotSource(deps, input);
  const settings = await settingsOf(deps, input);
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
    ...(settings === undefined ? {} : { settings }),
    ...(input.tags === undefined ? {} : { tags: { ...input.tags } }),
  };
  try {
    await deps.catalog.sources.create(source);
  } catch (error) {
    await deps.secrets.deleteSourcePassword(input.tenantId, secretRef).catch(() => undefined);
    throw error;
  }
  return toSourceView(source);
}

async function registerSnapshotSource(
  deps: RegisterSourceDeps,
  input: RegisterSnapshotSourceInput,
): Promise<SourceView> {
  const settings = await settingsOf(deps, input, input.region);
  await requireOwnedCloudResource(deps.cloud, input);
  const source: Source = {
    tenantId: input.tenantId,
    id: deps.ids.next('source'),
    name: input.name,
    type: input.type,
    region: input.region,
    resourceId: input.resourceId,
    createdAt: deps.clock.now().toISOString(),
    ...(settings === undefined ? {} : { settings }),
    ...(input.tags === undefined ? {} : { tags: { ...input.tags } }),
  };
  await deps.catalog.sources.create(source);
  return toSourceView(source);
}
