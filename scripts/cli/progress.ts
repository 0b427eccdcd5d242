import type { Io } from './io';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const BAR_WIDTH = 30;

function size(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/**
 * Progress on stderr (stdout stays for results and --json): a redrawn line on a terminal, or one plain line per change
 * when stderr is not a terminal (logs, CI). Disabled by --no-progress or --json.
 */
export class Progress {
  private frame = 0;
  private last = '';
  private readonly started = Date.now();

  constructor(
    private readonly io: Io,
    private readonly enabled: boolean,
  ) {}

  private get live(): boolean {
    return this.enabled && this.io.stderr.isTTY === true;
  }

  private draw(line: string): void {
    if (!this.enabled) return;
    if (this.live) {
      this.io.stderr.write(`\r\x1b[2K${line}`);
    } else if (line.replace(/^\S+ /, '').replace(/\d+s/, '') !== this.last) {
      this.last = line.replace(/^\S+ /, '').replace(/\d+s/, '');
      this.io.stderr.write(`${line}\n`);
    }
  }

  /** A spinner with the status of what is awaited and the time waited. */
  status(what: string, status: string): void {
    this.frame = (this.frame + 1) % FRAMES.length;
    const seconds = Math.round((Date.now() - this.started) / 1000);
    this.draw(`${FRAMES[this.frame]} ${what}: ${status} ${seconds}s`);
  }

  /** A bar for a transfer of known size (a spinner with the count when the size is unknown). */
  bytes(what: string, done: number, total?: number): void {
    if (total === undefined || total <= 0) {
      this.status(what, size(done));
      return;
    }
    const share = Math.min(1, done / total);
    const filled = Math.round(share * BAR_WIDTH);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`;
    const line = `${what} [${bar}] ${Math.floor(share * 100)}% ${size(done)}/${size(total)}`;
    if (this.live) this.draw(line);
    else if (share === 1 || done === 0) this.draw(line);
  }

  done(line?: string): void {
    if (!this.enabled) return;
    if (this.live) this.io.stderr.write('\r\x1b[2K');
    if (line) this.io.stderr.write(`${line}\n`);
  }
}
