import { DescribeKeyCommand, type KMSClient, paginateListResourceTags } from '@aws-sdk/client-kms';
import type { KmsKeyInfo, KmsResources } from '../../ports/cloud';
import { errorName, translateCloudError } from './cloud-errors';

/** A key id, ARN, alias name or alias ARN that names nothing (or is malformed) is a missing key. */
const MISSING = new Set(['NotFoundException', 'InvalidArnException', 'InvalidAliasNameException']);

/**
 * KMS keys through the SDK, one client per region: DescribeKey (which also resolves alias names and ARNs to the key)
 * and ListResourceTags on the resolved key. A missing key is undefined; throttling is SnapshotThrottledError.
 */
export class AwsKmsResources implements KmsResources {
  constructor(private readonly kms: (region: string) => KMSClient) {}

  async describeKey(region: string, keyId: string): Promise<KmsKeyInfo | undefined> {
    const call = { action: 'DescribeKey', region };
    const client = this.kms(region);
    let metadata: { Arn?: string; KeyId?: string; Enabled?: boolean; KeyState?: string } | undefined;
    try {
      metadata = (await client.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
    } catch (error) {
      if (MISSING.has(errorName(error) ?? '')) return undefined;
      throw translateCloudError(error, call);
    }
    if (metadata?.Arn === undefined || metadata.KeyId === undefined) return undefined;
    const tags: Record<string, string> = {};
    try {
      const pages = paginateListResourceTags({ client }, { KeyId: metadata.KeyId });
      for await (const page of pages) {
        for (const tag of page.Tags ?? []) if (tag.TagKey !== undefined) tags[tag.TagKey] = tag.TagValue ?? '';
      }
    } catch (error) {
      if (MISSING.has(errorName(error) ?? '')) return undefined;
      throw translateCloudError(error, { action: 'ListResourceTags', region });
    }
    return {
      keyArn: metadata.Arn,
      enabled: metadata.Enabled === true && (metadata.KeyState === undefined || metadata.KeyState === 'Enabled'),
      tags,
    };
  }
}
