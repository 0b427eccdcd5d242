import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** A pass-through that counts the bytes flowing by. */
export class ByteCounter extends Transform {
  bytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}

/** A pass-through that counts and SHA-256-hashes the bytes flowing by (the bytes that are stored). */
export class Sha256Counter extends Transform {
  bytes = 0;
  private readonly hash: Hash = createHash('sha256');
  private hex: string | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    callback(null, chunk);
  }

  /** The digest of everything that passed; only meaningful once the stream has ended. */
  digest(): string {
    this.hex ??= this.hash.digest('hex');
    return this.hex;
  }
}

/**
 * Joins small chunks into pieces of at least `target` bytes (the last may be smaller). Dump tools write in pipe-sized
 * chunks (64 KiB or less); fed to zstd one by one, Node's per-chunk zlib bookkeeping and the garbage it makes cost
 * more CPU than the compression itself (measured: 3.0–3.4 vs 1.6 CPU-s on a 649 MB dump). Memory: one piece.
 */
export class Coalescer extends Transform {
  private pending: Buffer[] = [];
  private size = 0;

  constructor(private readonly target = 1024 * 1024) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.pending.push(chunk);
    this.size += chunk.length;
    if (this.size >= this.target) this.release();
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.size > 0) this.release();
    callback();
  }

  private release(): void {
    this.push(this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.size));
    this.pending = [];
    this.size = 0;
  }
}
