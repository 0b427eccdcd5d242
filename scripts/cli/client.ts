import { CliError, EXIT } from './io';

/** The API's error shape (docs: one shape everywhere). */
interface ApiErrorBody {
  readonly error?: { code?: string; message?: string; fields?: { path: string; message: string }[] };
}

function exitFor(status: number): number {
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  if (status >= 500) return EXIT.unavailable;
  return EXIT.refused;
}

/** "400 validation_failed: message", then each field the API named on its own line ("  path: why"). */
function describe(status: number, body: ApiErrorBody | null): string {
  const error = body?.error;
  const fields = (error?.fields ?? []).map((field) => `\n  ${field.path || '(body)'}: ${field.message}`).join('');
  return `${status} ${error?.code ?? 'error'}: ${error?.message ?? 'no message'}${fields}`;
}

/** fetch's "fetch failed" with its cause (ECONNREFUSED, ENOTFOUND, a TLS error…). */
export function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return [(error as Error).message, cause?.code ?? cause?.message].filter(Boolean).join(': ');
}

/** A thin JSON client of the tenant API; any non-2xx becomes a CliError with a meaningful exit code. */
export class ApiClient {
  constructor(
    readonly apiUrl: string,
    private readonly token: string,
    private readonly tenant?: string,
  ) {}

  async call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.apiUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          accept: 'application/json',
          ...(this.tenant ? { 'strongbox-tenant': this.tenant } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new CliError(`cannot reach ${this.apiUrl}: ${networkReason(error)}`, EXIT.unavailable);
    }
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (!response.ok) {
      throw new CliError(describe(response.status, parsed as ApiErrorBody), exitFor(response.status), response.status);
    }
    return parsed as T;
  }

  get<T = Record<string, unknown>>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  post<T = Record<string, unknown>>(path: string, body: unknown, headers?: Record<string, string>): Promise<T> {
    return this.call<T>('POST', path, body, headers);
  }
}
