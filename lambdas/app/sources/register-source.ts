import { ValidationError } from '../../domain/errors';
import {
  type DatabaseEngine,
  DEFAULT_PORTS,
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
import { requireOwnedCloudResource, requireOwnedKmsKey } from '../snapshots/resource-ownership';

export interface RegisterSourceDeps {
  readonly catalog: Pick<Catalog, 'sources'>;
  readonly secrets: SecretStore;
  readonly hostGuard: HostGuard;
  readonly cloud: CloudResources;
  readonly ids: IdGenerator;
  readonly clock: Clock;
}

export interface RegisterSettingsInput {
  readonly copyRegions?: readonly { readonly region: string; readonly kmsKeyId?: string | undefined }[] | undefined;
  readonly restoreApproval?: boolean | undefined;
}

export interface RegisterDatabaseSourceInput {
  readonly tenantId: string;
  readonly name: string;
  readonly type: DatabaseEngine;
  readonly host: string;
  readonly port?: number | undefined;
  readonly database: string;
  readonly username: string;
  readonly password: string;
  readonly settings?: RegisterSettingsInput | undefined;
}

export interface RegisterSnapshotSourceInput {
  readonly tenantId: string;
  readonly name: string;
  readonly type: SnapshotSourceType;
  readonly resourceId: string;
  readonly region: string;
  readonly settings?: RegisterSettingsInput | undefined;
}

export type RegisterSourceInput = RegisterDatabaseSourceInput | RegisterSnapshotSourceInput;

function isSnapshotInput(input: RegisterSourceInput): input is RegisterSnapshotSourceInput {
  return 'resourceId' in input;
}

function settingsOf(input: RegisterSourceInput, region?: string): SourceSettings | undefined {
  if (input.settings === undefined) return undefined;
  const copyRegions = (input.settings.copyRegions ?? []).map((copy) => ({
    region: copy.region,
    ...(copy.kmsKeyId === undefined ? {} : { kmsKeyId: copy.kmsKeyId }),
  }));
  const path = 'settings.copyRegions';
  if (region === undefined && copyRegions.length > 0) {
    throw new ValidationError('DR copies are for snapshot sources', [
      { path, message: 'only snapshot sources (EBS, EC2, RDS) have DR copy regions' },
    ]);
  }
  const index = copyRegions.findIndex((copy) => copy.region === region);
  if (index >= 0) {
    throw new ValidationError(`a DR copy region must differ from the source's region (${region})`, [
      { path: `${path}.${index}.region`, message: `must not be the source's own region ${region}` },
    ]);
  }
  return { copyRegions, restoreApproval: input.settings.restoreApproval ?? false };
}

/**
 * Registers a source. A database: the host is checked before anything is stored (SSRF guard); the password goes to
 * the secret store and only its reference to the catalog, and if the catalog write fails the secret is removed again,
 * so nothing is half-written. A cloud resource (snapshot source): it must exist in its region and carry
 * `strongbox:tenant=<tenant>` (404 when missing or another tenant's, 403 when untagged); it has no secret.
 */
export async function registerSource(deps: RegisterSourceDeps, input: RegisterSourceInput): Promise<SourceView> {
  if (isSnapshotInput(input)) return registerSnapshotSource(deps, input);
  const settings = settingsOf(input);
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
  const settings = settingsOf(input, input.region);
  await requireOwnedCloudResource(deps.cloud, input);
  // A DR copy's key must be the tenant's own (tagged, enabled) key in the copy region, never any key in the account.
  for (const [index, copy] of (settings?.copyRegions ?? []).entries()) {
    if (copy.kmsKeyId === undefined) continue;
    await requireOwnedKmsKey(deps.cloud, {
      tenantId: input.tenantId,
      region: copy.region,
      keyId: copy.kmsKeyId,
      path: `settings.copyRegions.${index}.kmsKeyId`,
    });
  }
  const source: Source = {
    tenantId: input.tenantId,
    id: deps.ids.next('source'),
    name: input.name,
    type: input.type,
    region: input.region,
    resourceId: input.resourceId,
    createdAt: deps.clock.now().toISOString(),
    ...(settings === undefined ? {} : { settings }),
  };
  await deps.catalog.sources.create(source);
  return toSourceView(source);
}
