/** Where source passwords live. The reference is stored in the catalog; the value never is. */
export interface SecretStore {
  /** Stores the password for a tenant's source and returns its reference. */
  putSourcePassword(tenantId: string, sourceId: string, password: string): Promise<string>;
  getSourcePassword(tenantId: string, secretRef: string): Promise<string>;
  deleteSourcePassword(tenantId: string, secretRef: string): Promise<void>;
}

/** Where webhook signing secrets live; like source passwords, the catalog stores only the reference. */
export interface WebhookSecretStore {
  /** Stores (or replaces) the signing secret of a tenant's webhook and returns its reference. */
  putWebhookSecret(tenantId: string, webhookId: string, secret: string): Promise<string>;
  getWebhookSecret(tenantId: string, secretRef: string): Promise<string>;
  deleteWebhookSecret(tenantId: string, secretRef: string): Promise<void>;
}
