import { createHash } from 'node:crypto';
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { networkReason } from './client';
import { CliError, EXIT } from './io';
import type { Progress } from './progress';

export interface DownloadResult {
  readonly file: string;
  readonly bytes: number;
  readonly sha256: string;
}

/**
 * Streams a pre-signed URL into `file` (through `file.part`, renamed only when complete), hashing as it goes. A SHA-256
 * other than `expectedSha256` deletes what was written and is exit 6: a corrupt download never looks like a good one.
 */
export async function downloadTo(
  url: string,
  file: string,
  expected: { sha256: string; bytes?: number },
  progress: Progress,
): Promise<DownloadResult> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new CliError(`download failed: ${networkReason(error)}`, EXIT.unavailable);
  }
  if (!response.ok || !response.body) {
    throw new CliError(`download failed: the storage answered ${response.status}`, EXIT.unavailable);
  }
  const total = expected.bytes ?? (Number(response.headers.get('content-length')) || undefined);
  const hash = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      progress.bytes('downloading', bytes, total);
      callback(null, chunk);
    },
  });
  const part = `${file}.part`;
  try {
    await pipeline(
      Readable.fromWeb(response.body as import('node:stream/web').ReadableStream),
      meter,
      createWriteStream(part),
    );
  } catch (error) {
    rmSync(part, { force: true });
    // A file-system error (a missing directory, a full disk) is local (1); anything else, the transfer broke (8).
    if ((error as NodeJS.ErrnoException).syscall) {
      throw new CliError(`cannot write ${file}: ${(error as Error).message}`, EXIT.unexpected);
    }
    throw new CliError(`download failed: ${(error as Error).message}`, EXIT.unavailable);
  }
  progress.done();
  const sha256 = hash.digest('hex');
  if (sha256 !== expected.sha256) {
    rmSync(part, { force: true });
    throw new CliError(
      `checksum mismatch: got sha256 ${sha256}, the backup's is ${expected.sha256}; nothing was kept`,
      EXIT.outcomeFailed,
    );
  }
  renameSync(part, file);
  return { file, bytes, sha256 };
}
