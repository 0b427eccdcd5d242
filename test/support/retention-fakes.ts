import { DeletionBlockedError } from '../../lambdas/domain/errors';
import type { Clock } from '../../lambdas/ports/runtime';
import type { VaultProtection } from '../../lambdas/ports/vault';

/**
 * In-memory stand-ins for the retention use cases' unit tests: a vault holding keys with an Object Lock state (the S3
 * adapter itself runs on moto in test/integration/vault-legal-hold), a fixed clock, and pacers that just call.
 */
export class LockingVault {
  readonly keys = new Map<string, VaultProtection>();
  /** Keys whose deletion S3 would refuse although protection() shows nothing (a lock placed in between). */
  readonly refuse = new Set<string>();
  readonly removed: string[] = [];

  put(key: string, protection: VaultProtection = { legalHold: false }): void {
    this.keys.set(key, protection);
  }

  async protection(key: string): Promise<VaultProtection | undefined> {
    return this.keys.get(key);
  }

  async removeAllVersions(key: string): Promise<void> {
    if (this.refuse.has(key)) throw new DeletionBlockedError(`${key} is locked`, 'locked');
    this.keys.delete(key);
    this.removed.push(key);
  }

  async setLegalHold(key: string, on: boolean): Promise<void> {
    const current = this.keys.get(key);
    if (current) this.keys.set(key, { ...current, legalHold: on });
  }
}

export class FixedClock implements Clock {
  constructor(public at: Date) {}
  now(): Date {
    return this.at;
  }
}

/** A pacer that does not pace (the pacer has its own tests: test/unit/pacer.test.ts). */
export const unpaced = <T>(call: () => Promise<T>): Promise<T> => call();
