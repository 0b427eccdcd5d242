/**
 * Drives a pull parser (a generator that asks for bytes) with chunks pushed from a stream, so a binary format
 * can be read as it streams without buffering more than the field being read.
 *
 * The parser yields what it needs next: `read` n bytes (answered with exactly those bytes, or `null` if `orEnd`
 * and the input ended cleanly before them), `skip` n bytes (handed piecewise to `sink`, never buffered), or
 * `frames`: a run of length-prefixed frames ending with a zero length, where a length is a sign byte and
 * `intSize` little-endian bytes (pg_dump's data chunks). Frames are handled here without a round trip through the
 * generator each, because a table's data may be millions of one-row frames.
 */
export type Need =
  | { readonly kind: 'read'; readonly bytes: number; readonly orEnd?: boolean }
  | { readonly kind: 'skip'; readonly bytes: number; readonly sink?: (chunk: Buffer) => void }
  | { readonly kind: 'frames'; readonly intSize: number; readonly sink?: (chunk: Buffer) => void };

export type PullParser<T> = Generator<Need, T, Buffer | null>;

export interface PushDriverErrors {
  /** Input continued after the parser finished. */
  trailing(): Error;
  /** Input ended while the parser still needed bytes. */
  truncated(): Error;
  /** A frame length was negative. */
  badFrame(length: number): Error;
}

export class PushDriver<T> {
  private need: Need | undefined;
  private readBuffer: Buffer = Buffer.alloc(0);
  private filled = 0;
  private skipLeft = 0;
  /** Frames: bytes of the current length read so far (0 = between frames), its value, and its sign. */
  private lengthRead = 0;
  private length = 0;
  private negative = false;
  private scale = 1;
  private result: { readonly value: T } | undefined;

  constructor(
    private readonly parser: PullParser<T>,
    private readonly errors: PushDriverErrors,
  ) {
    this.answer(null);
  }

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      const need = this.need;
      if (!need) throw this.errors.trailing();
      const available = chunk.length - offset;
      if (need.kind === 'frames') {
        offset = this.frames(need, chunk, offset);
      } else if (need.kind === 'skip') {
        const take = Math.min(this.skipLeft, available);
        need.sink?.(chunk.subarray(offset, offset + take));
        this.skipLeft -= take;
        offset += take;
        if (this.skipLeft === 0) this.answer(null);
      } else {
        const take = Math.min(need.bytes - this.filled, available);
        chunk.copy(this.readBuffer, this.filled, offset, offset + take);
        this.filled += take;
        offset += take;
        if (this.filled === need.bytes) this.answer(this.readBuffer);
      }
    }
  }

  private frames(need: Extract<Need, { kind: 'frames' }>, chunk: Buffer, start: number): number {
    let offset = start;
    while (offset < chunk.length) {
      if (this.skipLeft > 0) {
        const take = Math.min(this.skipLeft, chunk.length - offset);
        need.sink?.(chunk.subarray(offset, offset + take));
        this.skipLeft -= take;
        offset += take;
        continue;
      }
      const byte = chunk[offset++] as number;
      if (this.lengthRead === 0) {
        this.negative = byte !== 0;
        this.length = 0;
        this.scale = 1;
      } else {
        this.length += byte * this.scale;
        this.scale *= 256;
      }
      if (++this.lengthRead <= need.intSize) continue;
      this.lengthRead = 0;
      if (this.negative && this.length !== 0) throw this.errors.badFrame(-this.length);
      if (this.length === 0) {
        this.answer(null);
        return offset;
      }
      this.skipLeft = this.length;
    }
    return offset;
  }

  /** The parser's result once the input has ended. */
  end(): T {
    if (!this.result && this.need?.kind === 'read' && this.need.orEnd && this.filled === 0) this.answer(null);
    if (!this.result) throw this.errors.truncated();
    return this.result.value;
  }

  private answer(value: Buffer | null): void {
    let next = this.parser.next(value);
    for (;;) {
      if (next.done) {
        this.result = { value: next.value };
        this.need = undefined;
        return;
      }
      const need = next.value;
      if (need.kind !== 'frames' && need.bytes === 0) {
        next = this.parser.next(need.kind === 'read' ? Buffer.alloc(0) : null);
        continue;
      }
      this.need = need;
      if (need.kind === 'read') {
        this.readBuffer = Buffer.allocUnsafe(need.bytes);
        this.filled = 0;
      } else if (need.kind === 'skip') {
        this.skipLeft = need.bytes;
      } else {
        this.skipLeft = 0;
        this.lengthRead = 0;
      }
      return;
    }
  }
}
