import type { Dispatch } from '../../domain/dispatch';
import type { Policy } from '../../domain/policy';
import type { RpoStatus } from '../../domain/rpo';
import type {
  DispatchQuery,
  DispatchRepository,
  Page,
  PageRequest,
  PolicyRepository,
  RpoRepository,
} from '../../ports/catalog';
import { itemSk, policyGsi1Pk, requireId, rpoSk, tenantPk, toItem } from './dynamodb-catalog-keys';
import type { CatalogTable } from './dynamodb-catalog-table';

/**
 * Policies (`POLICY#<name>`, ascending), their dispatches (`DISPATCH#<ulid>`, newest first; per policy on gsi1) and the
 * sources' RPO status (`RPO#<src_id>`).
 */
export class DynamoDbPolicies implements PolicyRepository {
  constructor(private readonly table: CatalogTable) {}

  async put(policy: Policy, expect: number | 'absent'): Promise<void> {
    requireId('policy', policy.id, 'id');
    const keys = { pk: tenantPk(policy.tenantId), sk: itemSk('policy', policy.id) };
    await this.table.put('policy', policy.id, toItem('policy', keys, policy), expect);
  }

  async get(tenantId: string, id: string): Promise<Policy | undefined> {
    return this.table.get<Policy>(tenantId, 'policy', id);
  }

  async list(tenantId: string, page: PageRequest): Promise<Page<Policy>> {
    return this.table.list<Policy>({ kind: 'policy', pk: tenantPk(tenantId) }, page);
  }

  async delete(tenantId: string, id: string): Promise<void> {
    return this.table.delete(tenantId, 'policy', id);
  }
}

export class DynamoDbDispatches implements DispatchRepository {
  constructor(private readonly table: CatalogTable) {}

  async save(dispatch: Dispatch): Promise<void> {
    requireId('dispatch', dispatch.id, 'id');
    requireId('policy', dispatch.policyId, 'policyId');
    const sk = itemSk('dispatch', dispatch.id);
    const keys = {
      pk: tenantPk(dispatch.tenantId),
      sk,
      gsi1pk: policyGsi1Pk(dispatch.tenantId, dispatch.policyId),
      gsi1sk: sk,
    };
    await this.table.overwrite(toItem('dispatch', keys, dispatch));
  }

  async get(tenantId: string, id: string): Promise<Dispatch | undefined> {
    return this.table.get<Dispatch>(tenantId, 'dispatch', id);
  }

  async list(tenantId: string, query: DispatchQuery): Promise<Page<Dispatch>> {
    const pk = tenantPk(tenantId);
    if (query.policyId === undefined) return this.table.list<Dispatch>({ kind: 'dispatch', pk }, query);
    requireId('policy', query.policyId, 'policyId');
    return this.table.list<Dispatch>({ kind: 'dispatch', pk, gsi1pk: policyGsi1Pk(tenantId, query.policyId) }, query);
  }
}

export class DynamoDbRpo implements RpoRepository {
  constructor(private readonly table: CatalogTable) {}

  async put(status: RpoStatus): Promise<void> {
    const keys = { pk: tenantPk(status.tenantId), sk: rpoSk(status.sourceId) };
    await this.table.overwrite(toItem('rpo', keys, status));
  }

  async get(tenantId: string, sourceId: string): Promise<RpoStatus | undefined> {
    return this.table.get<RpoStatus>(tenantId, 'rpo', sourceId);
  }

  async list(tenantId: string, page: PageRequest): Promise<Page<RpoStatus>> {
    return this.table.list<RpoStatus>({ kind: 'rpo', pk: tenantPk(tenantId) }, page);
  }

  async delete(tenantId: string, sourceId: string): Promise<void> {
    return this.table.delete(tenantId, 'rpo', sourceId);
  }
}
