/** The queue a message came from, for retrying it later than its visibility timeout would (webhook backoff). */
export interface RetryQueue {
  /** Makes the received message visible again in `delaySeconds` (at most 12 hours). */
  retryLater(receiptHandle: string, delaySeconds: number): Promise<void>;
}
