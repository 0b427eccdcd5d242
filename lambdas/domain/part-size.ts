/**
 * Multipart part size for a streamed upload whose final size is unknown. S3 allows at most 10,000 parts of
 * 5 MiB–5 GiB; lib-storage's 5 MiB default caps an object at 48.8 GiB. The part size is chosen from an
 * estimate with a safety factor (dumps can be larger than the database's on-disk size when TOAST-compressed
 * values are expanded), so the part limit is never hit for anything near the estimate.
 */
export const MIB = 1024 * 1024;
export const S3_MAX_PARTS = 10_000;
export const S3_MIN_PART_BYTES = 5 * MIB;
export const S3_MAX_PART_BYTES = 5 * 1024 * MIB;
export const DEFAULT_MIN_PART_BYTES = 8 * MIB;
/** Parts we plan for, leaving headroom under S3's 10,000. */
export const PLANNED_MAX_PARTS = 8_000;
export const ESTIMATE_SAFETY_FACTOR = 3;

export function choosePartSize(estimatedBytes: number, minPartBytes = DEFAULT_MIN_PART_BYTES): number {
  const floor = Math.max(minPartBytes, S3_MIN_PART_BYTES);
  const estimate = Number.isFinite(estimatedBytes) && estimatedBytes > 0 ? estimatedBytes : 0;
  const needed = Math.ceil((estimate * ESTIMATE_SAFETY_FACTOR) / PLANNED_MAX_PARTS);
  const rounded = Math.ceil(needed / MIB) * MIB;
  return Math.min(Math.max(floor, rounded), S3_MAX_PART_BYTES);
}

/** The largest object an upload with this part size can hold. */
export function maxObjectBytes(partSize: number): number {
  return partSize * S3_MAX_PARTS;
}

export function expectedPartCount(storedBytes: number, partSize: number): number {
  return Math.max(1, Math.ceil(storedBytes / partSize));
}
