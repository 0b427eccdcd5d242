import { createHash } from 'node:crypto';
import type { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createZstdDecompress } from 'node:zlib';
import { ChecksumMismatchError, isStrongboxError, RestoreFailedError, VaultError } from '../../domain/errors';
import { redactedTail } from '../../domain/redact';
import type { LoadRequest } from '../../ports/databases';
import type { RunningTool, ToolExit } from './child-process';

/**
 * Stored object → SHA-256 → zstd → [transforms] → a tool's stdin (`streamIntoTool`), for the restore loaders.
 *
 * Every byte of the stored object is hashed, even when the tool stops reading early (pg_restore does not need
 * the end of an archive) or the chain downstream fails (a flipped byte usually breaks decompression first): the
 * checksum verdict explains such failures better than the symptom does. The tool's input is ended only after
 * the checksum matched; on a mismatch the tool is killed before it can see a clean end of input.
 */
export interface FeedResult {
  /** Hex SHA-256 of the whole object; undefined when reading stopped early (readAll false). */
  readonly sha256: string | undefined;
  /** The chain stopped taking bytes before the object ended (tool exited, decompression failed…). */
  readonly sinkClosedEarly: boolean;
}

function writable(sink: Writable): boolean {
  return !sink.destroyed && !sink.writableEnded;
}

function drained(sink: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      sink.off('drain', done);
      sink.off('close', done);
      sink.off('error', done);
      resolve();
    };
    sink.on('drain', done);
    sink.on('close', done);
    sink.on('error', done);
  });
}

/** Writes `source` into `sink` while hashing it. Does not end the sink. Throws what the source throws. */
export async function feedHashed(source: Readable, sink: Writable, options: { readAll: boolean }): Promise<FeedResult> {
  const hash = createHash('sha256');
  let sinkClosedEarly = false;
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array);
    hash.update(bytes);
    if (writable(sink)) {
      if (!sink.write(bytes)) await drained(sink);
    }
    if (!writable(sink)) {
      sinkClosedEarly = true;
      if (!options.readAll) return { sha256: undefined, sinkClosedEarly };
    }
  }
  return { sha256: hash.digest('hex'), sinkClosedEarly };
}

export interface StreamOutcome {
  readonly exit: ToolExit;
  /** The whole object was read and its SHA-256 matched. */
  readonly verified: boolean;
  /** Why the chain into the tool failed, if it did (EPIPE when the tool stopped reading early). */
  readonly chainError: Error | undefined;
}

/** The stored object, and the SHA-256 it must have. */
export type StoredSource = Pick<LoadRequest, 'open' | 'expectedSha256'>;

export interface StreamRequest {
  readonly source: StoredSource;
  readonly tool: RunningTool;
  readonly transforms?: readonly Transform[];
  /** Read the whole object even if the tool stops early (needed to verify the checksum). */
  readonly readAll: boolean;
}

async function openSource(source: StoredSource): Promise<Readable> {
  try {
    return await source.open();
  } catch (error) {
    if (isStrongboxError(error)) throw error;
    throw new VaultError(`could not open the stored dump: ${(error as Error).message}`, { cause: error });
  }
}

export function checksumMismatch(actual: string, expected: string): ChecksumMismatchError {
  return new ChecksumMismatchError(`the stored dump's SHA-256 is ${actual}, but the backup recorded ${expected}`);
}

export async function streamIntoTool(request: StreamRequest): Promise<StreamOutcome> {
  const { tool, source: stored } = request;
  const stdin = tool.stdin;
  let source: Readable;
  try {
    if (stdin === null) throw new RestoreFailedError(`${tool.label} has no input stream`);
    source = await openSource(stored);
  } catch (error) {
    tool.kill();
    await tool.exited;
    throw error;
  }
  const decompress = createZstdDecompress();
  const chain = pipeline([decompress, ...(request.transforms ?? []), stdin]).then(
    () => undefined,
    (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
  );
  const fail = async (error: unknown): Promise<never> => {
    // Kill first: closing stdin of a live tool would look like a clean end of input to it.
    tool.kill();
    decompress.destroy();
    await chain;
    await tool.exited;
    throw error;
  };

  let fed: FeedResult;
  try {
    fed = await feedHashed(source, decompress, { readAll: request.readAll });
  } catch (error) {
    source.destroy();
    const reason = isStrongboxError(error)
      ? error
      : new VaultError(`reading the stored dump failed: ${(error as Error).message}`, { cause: error });
    return fail(reason);
  }
  if (fed.sha256 !== undefined && fed.sha256 !== stored.expectedSha256) {
    return fail(checksumMismatch(fed.sha256, stored.expectedSha256));
  }
  if (!fed.sinkClosedEarly) decompress.end();
  const chainError = await chain;
  const exit = await tool.exited;
  return { exit, verified: fed.sha256 !== undefined, chainError };
}

/** Reads the whole object only to check its SHA-256 (used to explain a failure that stopped reading early). */
export async function storedChecksum(stored: StoredSource): Promise<string> {
  const source = await openSource(stored);
  const hash = createHash('sha256');
  for await (const chunk of source) hash.update(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array));
  return hash.digest('hex');
}

const BENIGN_CHAIN_ERRORS = new Set(['EPIPE', 'ERR_STREAM_PREMATURE_CLOSE', 'ERR_STREAM_DESTROYED']);

/** A chain error that only says the tool stopped reading (it may legitimately not need the rest). */
export function isEarlyExitError(error: Error | undefined): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && BENIGN_CHAIN_ERRORS.has(code);
}

/** Maps a failed chain (not an early exit) to the error a caller should see. */
export function chainFailure(error: Error, secrets: readonly string[]): Error {
  if (isStrongboxError(error)) return error;
  const message = redactedTail(error.message, secrets, 500);
  return new RestoreFailedError(`the stored dump could not be read back: ${message}`, { cause: error });
}
