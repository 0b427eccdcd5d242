/** One HTTP POST of a webhook delivery attempt. */
export interface WebhookRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly timeoutMs: number;
}
/** What one attempt got: a response (any status), or an error before one arrived. */
export type WebhookAttemptResult =
  | {
      readonly outcome: 'response';
      readonly statusCode: number;
      readonly durationMs: number;
      readonly bodyExcerpt: string;
    }
  | {
      readonly outcome: 'error';
      readonly code: WebhookErrorCode;
      readonly message: string;
      readonly durationMs: number;
    };
export type WebhookErrorCode =
  | 'forbidden_host'
  | 'invalid_url'
  | 'dns_failed'
  | 'timeout'
  | 'connection_failed'
  | 'tls_failed';
export interface WebhookSender {
  send(request: WebhookRequest): Promise<WebhookAttemptResult>;
}
