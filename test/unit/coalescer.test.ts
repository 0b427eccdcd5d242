import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Coalescer } from '../../lambdas/adapters/dumps/stream-meters';

async function through(chunks: Buffer[], target: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  await pipeline(Readable.from(chunks), new Coalescer(target), async (source: AsyncIterable<Buffer>) => {
    for await (const piece of source) out.push(piece);
  });
  return out;
}

describe('Coalescer', () => {
  it('passes every byte through in order, in pieces of at least the target but the last', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 1000 }),
        async (arrays, target) => {
          // Prepare
          const chunks = arrays.map((array) => Buffer.from(array));

          // Act
          const pieces = await through(chunks, target);

          // Assess
          expect(Buffer.concat(pieces)).toEqual(Buffer.concat(chunks));
          for (const piece of pieces.slice(0, -1)) expect(piece.length).toBeGreaterThanOrEqual(target);
          expect(pieces.every((piece) => piece.length > 0)).toBe(true);
        },
      ),
    );
  });

  it('turns many pipe-sized chunks into a few large pieces', async () => {
    // Act
    const pieces = await through(
      Array.from({ length: 64 }, () => Buffer.alloc(64 * 1024, 7)),
      1024 * 1024,
    );

    // Assess
    expect(pieces.map((piece) => piece.length)).toEqual([1024 * 1024, 1024 * 1024, 1024 * 1024, 1024 * 1024]);
  });
});
