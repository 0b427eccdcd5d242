/** Where source passwords live. The reference is stored in the catalog; the value never is. */
export interface SecretStore {
  /** Stores the password for a tenant's source and returns its reference. */
  putSourcePassword(tenantId: string, sourceId: string, password: string): Promise<string>;
  getSourcePassword(tenantId: string, secretRef: string): Promise<string>;
  deleteSourcePassword(tenantId: string, secretRef: string): Promise<void>;
}
