/**
 * The CLI's outcome codes (docs/cli.md) and its I/O, passed in so the commands run the same in tests and in a shell.
 */
export const EXIT = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  auth: 3,
  notFound: 4,
  refused: 5,
  /** The awaited backup, restore or verification ended failed or rejected; a download's checksum did not match. */
  outcomeFailed: 6,
  timedOut: 7,
  /** The API could not be reached, or answered 5xx. */
  unavailable: 8,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    /** The API's HTTP status, when the error is its answer. */
    readonly status?: number,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(message, EXIT.usage);

export interface Io {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stdin: NodeJS.ReadableStream;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

export function print(io: Io, text: string): void {
  io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function note(io: Io, text: string): void {
  io.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}

export async function readStdin(io: Io): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}
