/** A source is what a tenant backs up. This slice knows database sources (logical dumps). */
export const DATABASE_ENGINES = ['postgres', 'mysql'] as const;
export type DatabaseEngine = (typeof DATABASE_ENGINES)[number];

export interface DatabaseSource {
  readonly tenantId: string;
  readonly id: string;
  readonly name: string;
  readonly type: DatabaseEngine;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly username: string;
  /** Where the password lives (a Secrets Manager ARN). Never the password itself; never returned by the API. */
  readonly secretRef: string;
  readonly createdAt: string;
}

export type Source = DatabaseSource;

/** What the API shows of a source: everything but the secret and its location. */
export type SourceView = Omit<DatabaseSource, 'secretRef'>;

export function toSourceView(source: DatabaseSource): SourceView {
  const { secretRef: _secretRef, ...view } = source;
  return view;
}

export const DEFAULT_PORTS: Record<DatabaseEngine, number> = { postgres: 5432, mysql: 3306 };

/** Database names Strongbox creates or restores into: conservative on purpose (they end up in SQL). */
export const DATABASE_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/;
