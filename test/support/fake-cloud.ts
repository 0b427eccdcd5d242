import { MemoryCatalog } from '../../lambdas/adapters/memory/memory-catalog';
import { SystemClock, UlidIdGenerator } from '../../lambdas/adapters/runtime';
import { checkSnapshots } from '../../lambdas/app/snapshots/check-snapshots';
import { copySnapshots } from '../../lambdas/app/snapshots/copy-snapshots';
import { createSnapshots } from '../../lambdas/app/snapshots/create-snapshots';
import { recordSnapshotBackup } from '../../lambdas/app/snapshots/record-snapshot-backup';
import { startSnapshotBackup } from '../../lambdas/app/snapshots/start-snapshot-backup';
import { ConflictError, NotFoundError } from '../../lambdas/domain/errors';
import type { SnapshotArtifact, SnapshotQuotaUsage, Tags } from '../../lambdas/domain/snapshot';
import type {
  CloudResources,
  DbClusterInfo,
  DbInstanceInfo,
  Ec2Resources,
  InstanceInfo,
  KmsKeyInfo,
  KmsResources,
  RdsResources,
  VolumeInfo,
} from '../../lambdas/ports/cloud';
import { fakeEc2Admin, fakeRdsAdmin, type StoredSnapshot } from './fake-cloud-admin';

export { type GapCounts, type GapOptions, withEmulatorGaps } from './fake-cloud-gaps';

/**
 * An in-memory CloudResources for use-case unit tests: volumes, instances, DB instances/clusters and snapshots by
 * region, with tags. Snapshots complete at once (as on moto); withEmulatorGaps (fake-cloud-gaps.ts) adds pending
 * states, throttling and blocked deletions. What the snapshot backup use cases and retention (delete, tag, archive:
 * fake-cloud-admin.ts) call is implemented; most restore calls throw.
 */

function matches(tags: Tags, wanted: Tags): boolean {
  return Object.entries(wanted).every(([key, value]) => tags[key] === value);
}

let counter = 0;
const hex = () => (++counter).toString(16).padStart(17, '0');

export class FakeCloud implements CloudResources {
  readonly volumes = new Map<string, VolumeInfo>();
  readonly instances = new Map<string, InstanceInfo>();
  readonly dbInstances = new Map<string, DbInstanceInfo>();
  readonly dbClusters = new Map<string, DbClusterInfo>();
  readonly snapshots = new Map<string, StoredSnapshot>();
  readonly quota = new Map<string, SnapshotQuotaUsage>();
  /** KMS keys by `region/keyId` (an alias is registered as a second entry). */
  readonly keys = new Map<string, KmsKeyInfo>();
  /** Every mutating call, in order (`snapshotVolume us-east-1 vol-…`). */
  readonly calls: string[] = [];
  readonly ec2: Ec2Resources;
  readonly rds: RdsResources;
  readonly kms: KmsResources;

  constructor() {
    this.ec2 = this.buildEc2();
    this.rds = this.buildRds();
    this.kms = { describeKey: async (region, keyId) => this.keys.get(`${region}/${keyId}`) };
  }

  /** A KMS key in `region`; returns its ARN (also accepted as the key id). */
  addKey(region: string, tags: Tags, options: { enabled?: boolean; alias?: string } = {}): string {
    const keyId = `key-${hex()}`;
    const key: KmsKeyInfo = {
      keyArn: `arn:aws:kms:${region}:123456789012:key/${keyId}`,
      enabled: options.enabled ?? true,
      tags,
    };
    for (const id of [keyId, key.keyArn, ...(options.alias === undefined ? [] : [options.alias])]) {
      this.keys.set(`${region}/${id}`, key);
    }
    return key.keyArn;
  }

  addVolume(region: string, tags: Tags, sizeGiB = 8): VolumeInfo {
    const volume: VolumeInfo = {
      volumeId: `vol-${hex()}`,
      region,
      availabilityZone: `${region}a`,
      sizeGiB,
      volumeType: 'gp3',
      state: 'available',
      encrypted: false,
      attachments: [],
      tags,
    };
    this.volumes.set(`${region}/${volume.volumeId}`, volume);
    return volume;
  }

  addInstance(region: string, tags: Tags, devices: readonly string[]): InstanceInfo {
    const instanceId = `i-${hex()}`;
    const volumes = devices.map((device) => {
      const volume = this.addVolume(region, {});
      this.volumes.set(`${region}/${volume.volumeId}`, {
        ...volume,
        state: 'in-use',
        attachments: [{ instanceId, device, state: 'attached' }],
      });
      return { device, volumeId: volume.volumeId };
    });
    const instance: InstanceInfo = {
      instanceId,
      region,
      availabilityZone: `${region}a`,
      state: 'running',
      volumes,
      tags,
    };
    this.instances.set(`${region}/${instanceId}`, instance);
    return instance;
  }

  addDbInstance(region: string, id: string, tags: Tags): DbInstanceInfo {
    const db: DbInstanceInfo = {
      dbInstanceIdentifier: id,
      region,
      arn: `arn:aws:rds:${region}:123456789012:db:${id}`,
      status: 'available',
      engine: 'postgres',
      engineVersion: '16.3',
      storageEncrypted: true,
      allocatedStorageGiB: 20,
      tags,
    };
    this.dbInstances.set(`${region}/${id}`, db);
    return db;
  }

  addDbCluster(region: string, id: string, tags: Tags): DbClusterInfo {
    const cluster: DbClusterInfo = {
      dbClusterIdentifier: id,
      region,
      arn: `arn:aws:rds:${region}:123456789012:cluster:${id}`,
      status: 'available',
      engine: 'aurora-postgresql',
      members: [],
      storageEncrypted: true,
      tags,
    };
    this.dbClusters.set(`${region}/${id}`, cluster);
    return cluster;
  }

  snapshotsTagged(tags: Tags): SnapshotArtifact[] {
    return [...this.snapshots.values()].filter((s) => matches(s.tags, tags)).map((s) => s.artifact);
  }

  private store(artifact: SnapshotArtifact, tags: Tags): SnapshotArtifact {
    this.snapshots.set(`${artifact.region}/${artifact.id}`, { artifact, tags });
    return artifact;
  }

  private ebsSnapshot(region: string, volume: VolumeInfo, tags: Tags, device?: string): SnapshotArtifact {
    return this.store(
      {
        type: 'ebs-snapshot',
        id: `snap-${hex()}`,
        region,
        resourceId: volume.volumeId,
        ...(device === undefined ? {} : { device }),
        sizeGiB: volume.sizeGiB,
        encrypted: volume.encrypted,
        state: 'completed',
        providerState: 'completed',
      },
      tags,
    );
  }

  private buildEc2(): Ec2Resources {
    const unsupported = () => Promise.reject(new Error('not in the fake'));
    return {
      describeVolume: async (region, id) => this.volumes.get(`${region}/${id}`),
      describeInstance: async (region, id) => this.instances.get(`${region}/${id}`),
      findVolumes: async (region, tags) =>
        [...this.volumes.values()].filter((v) => v.region === region && matches(v.tags, tags)),
      findSnapshots: async (region, tags) =>
        [...this.snapshots.values()]
          .filter((s) => s.artifact.region === region && s.artifact.type === 'ebs-snapshot' && matches(s.tags, tags))
          .map((s) => s.artifact),
      describeSnapshots: async (region, ids) =>
        ids.flatMap((id) => {
          const found = this.snapshots.get(`${region}/${id}`);
          return found ? [found.artifact] : [];
        }),
      snapshotVolume: async (region, volumeId, input) => {
        this.calls.push(`snapshotVolume ${region} ${volumeId}`);
        const volume = this.volumes.get(`${region}/${volumeId}`);
        if (!volume) throw new NotFoundError('EBS volume', volumeId);
        return this.ebsSnapshot(region, volume, input.tags);
      },
      snapshotInstance: async (region, instanceId, input) => {
        this.calls.push(`snapshotInstance ${region} ${instanceId}`);
        const instance = this.instances.get(`${region}/${instanceId}`);
        if (!instance) throw new NotFoundError('EC2 instance', instanceId);
        return instance.volumes.map(({ device, volumeId }) =>
          this.ebsSnapshot(region, this.volumes.get(`${region}/${volumeId}`) as VolumeInfo, input.tags, device),
        );
      },
      copySnapshot: async (input) => {
        this.calls.push(`copySnapshot ${input.sourceRegion} ${input.snapshotId} → ${input.destinationRegion}`);
        const source = this.snapshots.get(`${input.sourceRegion}/${input.snapshotId}`);
        if (!source) throw new NotFoundError('EBS snapshot', input.snapshotId);
        return this.store(
          {
            ...source.artifact,
            id: `snap-${hex()}`,
            region: input.destinationRegion,
            encrypted: input.kmsKeyId !== undefined || source.artifact.encrypted,
            ...(input.kmsKeyId === undefined ? {} : { kmsKeyId: input.kmsKeyId }),
          },
          input.tags,
        );
      },
      createVolume: unsupported,
      attachVolume: unsupported,
      detachVolume: unsupported,
      ...fakeEc2Admin(this),
    };
  }

  private buildRds(): RdsResources {
    const unsupported = () => Promise.reject(new Error('not in the fake'));
    const rdsSnapshot = (type: 'rds-snapshot' | 'rds-cluster-snapshot', region: string, id: string) => {
      const found = this.snapshots.get(`${region}/${id}`);
      return found?.artifact.type === type ? found.artifact : undefined;
    };
    const take = (
      type: 'rds-snapshot' | 'rds-cluster-snapshot',
      region: string,
      resourceId: string,
      snapshotId: string,
      tags: Tags,
    ) => {
      const usage = this.quota.get(region) ?? { used: 0, max: 100 };
      this.quota.set(region, { ...usage, used: usage.used + 1 });
      return this.store(
        { type, id: snapshotId, region, resourceId, sizeGiB: 20, encrypted: true, state: 'completed' },
        tags,
      );
    };
    return {
      describeDbInstance: async (region, id) => this.dbInstances.get(`${region}/${id}`),
      describeDbCluster: async (region, id) => this.dbClusters.get(`${region}/${id}`),
      manualSnapshotUsage: async (region) => this.quota.get(region) ?? { used: 0, max: 100 },
      findDbSnapshots: async (region, tags) =>
        [...this.snapshots.values()]
          .filter((s) => s.artifact.region === region && s.artifact.type !== 'ebs-snapshot' && matches(s.tags, tags))
          .map((s) => s.artifact),
      describeDbSnapshot: async (region, id) => rdsSnapshot('rds-snapshot', region, id),
      describeDbClusterSnapshot: async (region, id) => rdsSnapshot('rds-cluster-snapshot', region, id),
      snapshotDbInstance: async (region, input) => {
        this.calls.push(`snapshotDbInstance ${region} ${input.dbInstanceIdentifier}`);
        if (!this.dbInstances.has(`${region}/${input.dbInstanceIdentifier}`)) {
          throw new NotFoundError('RDS DB instance', input.dbInstanceIdentifier);
        }
        return take('rds-snapshot', region, input.dbInstanceIdentifier, input.snapshotId, input.tags);
      },
      snapshotDbCluster: async (region, input) => {
        this.calls.push(`snapshotDbCluster ${region} ${input.dbClusterIdentifier}`);
        if (!this.dbClusters.has(`${region}/${input.dbClusterIdentifier}`)) {
          throw new NotFoundError('RDS DB cluster', input.dbClusterIdentifier);
        }
        return take('rds-cluster-snapshot', region, input.dbClusterIdentifier, input.snapshotId, input.tags);
      },
      copyDbSnapshot: async (input) => {
        this.calls.push(`copyDbSnapshot ${input.sourceRegion} ${input.source.id} → ${input.destinationRegion}`);
        return take(
          input.source.type as 'rds-snapshot',
          input.destinationRegion,
          input.source.resourceId,
          input.targetSnapshotId,
          input.tags,
        );
      },
      restoreDbInstanceFromSnapshot: unsupported,
      restoreDbInstanceToPointInTime: unsupported,
      restoreDbClusterFromSnapshot: async (region, input) => {
        this.calls.push(`restoreDbClusterFromSnapshot ${region} ${input.dbClusterIdentifier}`);
        if (!rdsSnapshot('rds-cluster-snapshot', region, input.snapshotId)) {
          throw new NotFoundError('RDS DB cluster snapshot', input.snapshotId);
        }
        if (this.dbClusters.has(`${region}/${input.dbClusterIdentifier}`)) {
          throw new ConflictError(`DB cluster ${input.dbClusterIdentifier} already exists`, 'resource_exists');
        }
        const cluster = this.addDbCluster(region, input.dbClusterIdentifier, input.tags);
        const restored = { ...cluster, engine: input.engine, status: 'creating' };
        this.dbClusters.set(`${region}/${input.dbClusterIdentifier}`, restored);
        return restored;
      },
      createDbClusterInstance: async (region, input) => {
        this.calls.push(`createDbClusterInstance ${region} ${input.dbInstanceIdentifier}`);
        const cluster = this.dbClusters.get(`${region}/${input.dbClusterIdentifier}`);
        if (!cluster) throw new NotFoundError('RDS DB cluster', input.dbClusterIdentifier);
        if (this.dbInstances.has(`${region}/${input.dbInstanceIdentifier}`)) {
          throw new ConflictError(`DB instance ${input.dbInstanceIdentifier} already exists`, 'resource_exists');
        }
        const db = {
          ...this.addDbInstance(region, input.dbInstanceIdentifier, input.tags),
          engine: input.engine,
          dbClusterIdentifier: input.dbClusterIdentifier,
          status: 'creating',
        };
        this.dbInstances.set(`${region}/${input.dbInstanceIdentifier}`, db);
        this.dbClusters.set(`${region}/${input.dbClusterIdentifier}`, {
          ...cluster,
          members: [...cluster.members, input.dbInstanceIdentifier],
        });
        return db;
      },
      ...fakeRdsAdmin(this),
    };
  }
}

/** A create-once vault in memory (manifests). */
export class MemoryVault {
  readonly objects = new Map<string, string>();
  async putJsonOnce(key: string, json: string) {
    if (this.objects.has(key)) throw new ConflictError(`${key} already exists`, 'object_exists');
    this.objects.set(key, json);
    return { versionId: 'v1' };
  }
  async head(key: string) {
    return this.objects.has(key) ? { key, versionId: 'v1', bytes: 1, partCount: 1 } : undefined;
  }
}

export function snapshotDeps(cloud: CloudResources = new FakeCloud()) {
  const started: { tenantId: string; backupId: string }[] = [];
  return {
    catalog: new MemoryCatalog(),
    cloud,
    vault: new MemoryVault(),
    clock: new SystemClock(),
    ids: new UlidIdGenerator(),
    secrets: {
      putSourcePassword: async () => 'unused',
      deleteSourcePassword: async () => undefined,
      getSourcePassword: async () => 'unused',
    } as never,
    hostGuard: { check: async () => undefined },
    jobs: { startDump: async () => undefined },
    snapshotWorkflow: { start: async (input: { tenantId: string; backupId: string }) => void started.push(input) },
    started,
  };
}

export type Deps = ReturnType<typeof snapshotDeps>;

/** Runs the machine's steps the way the ASL does (Start → Create → Check… → Copy → Check copies… → Record). */
export async function runSteps(deps: Deps, tenantId: string, backupId: string, maxAttempts = 5) {
  const ids = { tenantId, backupId };
  const started = await startSnapshotBackup(deps, ids);
  let poll = await createSnapshots(deps, ids);
  const polls: boolean[] = [];
  do {
    poll = {
      ...poll,
      ...(await checkSnapshots(deps, { ...ids, attempts: poll.attempts, maxAttempts, waitSeconds: 30 })),
    };
    polls.push(poll.done);
  } while (!poll.done);
  if (started.copyRegions > 0) {
    let copies = await copySnapshots(deps, ids);
    do {
      copies = {
        ...copies,
        ...(await checkSnapshots(deps, {
          ...ids,
          attempts: copies.attempts,
          maxAttempts,
          waitSeconds: 30,
          copies: true,
        })),
      };
    } while (!copies.done);
  }
  return { backup: await recordSnapshotBackup(deps, ids), polls };
}
