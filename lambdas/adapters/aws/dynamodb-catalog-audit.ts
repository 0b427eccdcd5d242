import type { AuditEntry } from '../../domain/audit';
import type { AuditRepository, Page, PageRequest } from '../../ports/catalog';
import { itemSk, requireId, tenantPk, toItem } from './dynamodb-catalog-keys';
import type { CatalogTable } from './dynamodb-catalog-table';

/**
 * A tenant's audit chain (`AUDIT#aud_<12-digit position>`, newest first). Appending is a conditional put on the
 * position, so two writers that read the same last entry cannot both extend the chain from it: the second gets a
 * StaleStateError and builds its entry again on the new last one (app/audit/record-audit.ts). No TTL: entries stay.
 */
export class DynamoDbAudit implements AuditRepository {
  constructor(private readonly table: CatalogTable) {}

  async append(entry: AuditEntry): Promise<void> {
    requireId('audit', entry.id, 'id');
    const keys = { pk: tenantPk(entry.tenantId), sk: itemSk('audit', entry.id) };
    await this.table.put('audit', entry.id, toItem('audit', keys, entry), 'absent');
  }

  async latest(tenantId: string): Promise<AuditEntry | undefined> {
    const page = await this.list(tenantId, { limit: 1 });
    return page.items[0];
  }

  async list(tenantId: string, page: PageRequest): Promise<Page<AuditEntry>> {
    return this.table.list<AuditEntry>({ kind: 'audit', pk: tenantPk(tenantId) }, page);
  }
}
