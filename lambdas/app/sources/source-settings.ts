import { ValidationError } from '../../domain/errors';
import { isValidTimeZone } from '../../domain/retention/calendar';
import { normalizePolicy, type RetentionPolicy } from '../../domain/retention/policy';
import type { CopyRegion, SourceSettings } from '../../domain/source';
import type { CloudResources } from '../../ports/cloud';
import { requireOwnedKmsKey } from '../snapshots/resource-ownership';

/** Settings as a request gives them (register: all optional; update: changes only). */
export interface SettingsInput {
  readonly copyRegions?: readonly { readonly region: string; readonly kmsKeyId?: string | undefined }[] | undefined;
  readonly restoreApproval?: boolean | undefined;
  readonly retention?: RetentionPolicy | null | undefined;
}

/**
 * Checks settings against the source they belong to and returns them complete: DR copy regions only for snapshot
 * sources (`region` given), never the source's own region, and each copy key the tenant's own tagged, enabled key.
 */
export async function resolveSettings(
  deps: { readonly cloud: CloudResources },
  input: { tenantId: string; region?: string | undefined; current: SourceSettings; changes: SettingsInput },
): Promise<SourceSettings> {
  const { changes, current, region } = input;
  const copyRegions: CopyRegion[] =
    changes.copyRegions === undefined
      ? [...current.copyRegions]
      : changes.copyRegions.map((copy) => ({
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
  if (changes.copyRegions !== undefined) {
    // A DR copy's key must be the tenant's own (tagged, enabled) key in the copy region, never any key in the account.
    for (const [i, copy] of copyRegions.entries()) {
      if (copy.kmsKeyId === undefined) continue;
      await requireOwnedKmsKey(deps.cloud, {
        tenantId: input.tenantId,
        region: copy.region,
        keyId: copy.kmsKeyId,
        path: `${path}.${i}.kmsKeyId`,
      });
    }
  }
  if (changes.retention) requireValidRetention(changes.retention);
  const retention = changes.retention === undefined ? current.retention : (changes.retention ?? undefined);
  return {
    copyRegions,
    restoreApproval: changes.restoreApproval ?? current.restoreApproval,
    ...(retention === undefined ? {} : { retention }),
  };
}

/**
 * A retention policy is checked here, not only by the HTTP schema: a bad one stored on a source would make every prune
 * of its tenant fail. Field paths are given as the request names them (`settings.retention.keepDaily`).
 */
export function requireValidRetention(retention: RetentionPolicy): void {
  if (retention.timeZone !== undefined && !isValidTimeZone(retention.timeZone)) {
    throw new ValidationError(`retention timeZone ${JSON.stringify(retention.timeZone)} is not an IANA time zone`, [
      { path: 'settings.retention.timeZone', message: 'must be an IANA time zone such as Europe/London or UTC' },
    ]);
  }
  try {
    normalizePolicy(retention);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(
      error.message,
      (error.fields ?? []).map((field) => ({ ...field, path: `settings.retention.${field.path}` })),
    );
  }
}
