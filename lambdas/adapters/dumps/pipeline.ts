/**
 * The streaming dump pipeline:
 *
 *   tool stdout → exit gate → raw byte count → inspectors (e.g. the pg archive scanner) → zstd → SHA-256 + stored
 *   byte count → Vault.upload (multipart, bounded memory)
 *
 * It resolves only when the tool exited 0, the upload completed, the stored object has exactly the bytes that were
 * streamed and the part count the part size implies (lib-storage once swallowed part errors, aws-sdk-js-v3#2311,
 * so completion alone is not trusted). On any failure it kills the tool, aborts the upload, removes whatever
 * version the key got, waits for the tool to be gone, and throws the cause: DumpFailedError (the tool, or what it
 * wrote) or VaultError (the upload or the stored object). If the cleanup fails too, a VaultError says so: the key
 * may then still hold a partial object (the bucket's lifecycle rule aborts forgotten multipart uploads after 1 day).
 */
import type { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DumpFailedError, isStrongboxError, VaultError } from '../../domain/errors';
import { expectedPartCount } from '../../domain/part-size';
import type { Vault, VaultObjectInfo } from '../../ports/vault';
import type { RunningTool } from './child-process';
import { ByteCounter, Coalescer, Sha256Counter } from './stream-meters';
import { createDumpCompressor } from './zstd';

export interface StreamToVaultRequest {
  readonly tool: RunningTool;
  readonly vault: Vault;
  readonly key: string;
  readonly partSize: number;
  readonly contentType: string;
  /** Pass-through stages that look at the raw dump (before compression). They may fail the dump. */
  readonly inspectors?: readonly Transform[];
  readonly zstdLevel?: number;
}

export interface StreamedDump {
  readonly rawBytes: number;
  readonly storedBytes: number;
  readonly sha256: string;
  readonly object: { readonly key: string; readonly versionId?: string; readonly partCount: number };
}

function checkStored(info: VaultObjectInfo | undefined, storedBytes: number, partSize: number): VaultError | undefined {
  if (!info) return new VaultError('the upload finished without an object');
  if (info.bytes !== storedBytes) {
    return new VaultError(`the stored object has ${info.bytes} bytes but ${storedBytes} were streamed`);
  }
  const expected = expectedPartCount(storedBytes, partSize);
  if (info.partCount !== expected) {
    return new VaultError(`the stored object has ${info.partCount} part(s) but ${expected} were streamed`);
  }
  return undefined;
}

/** Anything that is not already a Strongbox error is a failure of the dump stream, described without secrets. */
function asStrongboxError(error: unknown, tool: RunningTool): Error {
  if (isStrongboxError(error)) return error;
  const text = error instanceof Error ? error.message : String(error);
  return new DumpFailedError(`the dump stream failed: ${tool.redact(text)}`, { cause: error });
}

/** The error a stream sees when its consumer stopped reading (lib-storage giving up on the body). */
function consumerGaveUp(error: unknown): boolean {
  const { name, code } = (error ?? {}) as { name?: string; code?: string };
  return name === 'AbortError' || code === 'ERR_STREAM_PREMATURE_CLOSE';
}

interface Failures {
  pipeline?: unknown;
  upload?: unknown;
  first?: 'pipeline' | 'upload';
}

/**
 * Which failure to report. A failing upload stops reading its body, which then fails the stream with an abort
 * error, and the tool is killed as a consequence: those are effects, not causes.
 */
function primaryFailure(failures: Failures, tool: RunningTool): Error | undefined {
  const { pipeline: streamError, upload: uploadError } = failures;
  const streamIsCause =
    streamError !== undefined && !consumerGaveUp(streamError) && (failures.first === 'pipeline' || !uploadError);
  if (streamIsCause) return asStrongboxError(streamError, tool);
  if (uploadError !== undefined) {
    if (isStrongboxError(uploadError)) return uploadError;
    const text = uploadError instanceof Error ? uploadError.message : String(uploadError);
    return new VaultError(`the upload failed: ${text}`, { cause: uploadError });
  }
  return streamError === undefined ? undefined : asStrongboxError(streamError, tool);
}

export async function streamToVault(request: StreamToVaultRequest): Promise<StreamedDump> {
  const { tool, vault, key, partSize } = request;
  const raw = new ByteCounter();
  const stored = new Sha256Counter();
  // Errors surface through the pipeline and the upload; this keeps a late one from being an unhandled event.
  stored.on('error', () => undefined);

  let upload: ReturnType<Vault['upload']>;
  try {
    upload = vault.upload(key, stored, { partSize, contentType: request.contentType });
  } catch (error) {
    tool.kill();
    await tool.exited;
    throw asStrongboxError(error, tool);
  }
  const failures: Failures = {};
  const stop = (source: 'pipeline' | 'upload', error: unknown): void => {
    failures[source] ??= error;
    failures.first ??= source;
    // Stop the stream before the tool, so the tool's death cannot pass for the cause.
    if (!stored.destroyed) stored.destroy(error instanceof Error ? error : new Error(String(error)));
    tool.kill();
  };

  let info: VaultObjectInfo | undefined;
  await Promise.all([
    pipeline([
      tool.stdout,
      tool.gate(),
      raw,
      ...(request.inspectors ?? []),
      new Coalescer(),
      createDumpCompressor(request.zstdLevel),
      stored,
    ]).catch((error: unknown) => stop('pipeline', error)),
    upload.done.then(
      (result) => {
        info = result;
      },
      (error: unknown) => stop('upload', error),
    ),
  ]);

  const primary = primaryFailure(failures, tool) ?? checkStored(info, stored.bytes, partSize);
  if (primary !== undefined) {
    tool.kill();
    const cleanup = await Promise.allSettled([upload.abort().then(() => vault.removeAllVersions(key)), tool.exited]);
    const leftover = cleanup[0].status === 'rejected' ? cleanup[0].reason : undefined;
    if (leftover !== undefined) {
      // Reporting the dump error alone would hide that the vault may still hold a partial object.
      const detail = leftover instanceof Error ? leftover.message : String(leftover);
      throw new VaultError(`${primary.message}; cleaning up ${key} also failed: ${detail}`, { cause: primary });
    }
    throw primary;
  }

  // The gate let the stream end, so the tool exited 0; nothing is left running.
  const object = info as VaultObjectInfo;
  return {
    rawBytes: raw.bytes,
    storedBytes: stored.bytes,
    sha256: stored.digest(),
    object: {
      key: object.key,
      partCount: object.partCount,
      ...(object.versionId ? { versionId: object.versionId } : {}),
    },
  };
}
