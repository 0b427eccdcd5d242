import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadTo } from '../../scripts/cli/download';
import { CliError, EXIT, type Io } from '../../scripts/cli/io';
import { Progress } from '../../scripts/cli/progress';

/** The CLI's download: streamed to `file.part`, hashed, renamed only when the SHA-256 is the backup's (a real server). */
const BODY = Buffer.alloc(256 * 1024, 7);
const SHA256 = createHash('sha256').update(BODY).digest('hex');
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((_request, response) => {
    response.writeHead(200, { 'content-length': String(BODY.length) }).end(BODY);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/object`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

function quietIo(): { io: Io; stderr: () => string } {
  const stderr = new PassThrough();
  let text = '';
  stderr.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  const io: Io = { stdout: new PassThrough(), stderr, stdin: new PassThrough(), env: {}, cwd: '.' };
  return { io, stderr: () => text };
}

describe('strongbox backups download', () => {
  it('keeps the file when its SHA-256 is the backup’s, with one progress line at the end off a terminal', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cli-dl-')), 'ok.zst');
    const { io, stderr } = quietIo();
    const result = await downloadTo(url, file, { sha256: SHA256, bytes: BODY.length }, new Progress(io, true));
    expect(result).toEqual({ file, bytes: BODY.length, sha256: SHA256 });
    expect(readFileSync(file).equals(BODY)).toBe(true);
    expect(existsSync(`${file}.part`)).toBe(false);
    expect(stderr()).toBe('downloading: 256.0 KiB (100%)\n'); // off a terminal: one line, at the end
  });

  it('deletes what it wrote and exits 6 when the bytes are not the backup’s', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cli-dl-')), 'bad.zst');
    const failure = await downloadTo(url, file, { sha256: 'f'.repeat(64) }, new Progress(quietIo().io, false)).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(CliError);
    expect((failure as CliError).exitCode).toBe(EXIT.outcomeFailed);
    expect((failure as CliError).message).toContain('checksum mismatch');
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.part`)).toBe(false);
  });

  it('exits 8 when the storage answers an error, leaving nothing behind', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cli-dl-')), 'gone.zst');
    const failure = await downloadTo(
      'http://127.0.0.1:9/nothing',
      file,
      { sha256: SHA256 },
      new Progress(quietIo().io, false),
    ).catch((error: unknown) => error);
    expect((failure as CliError).exitCode).toBe(EXIT.unavailable);
    expect(existsSync(file)).toBe(false);
  });
});
