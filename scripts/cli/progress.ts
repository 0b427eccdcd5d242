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
 * when stderr is not a terminal (logs, CI). Disabled by --no-progress.
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

  /** Redraws the line on a terminal; elsewhere prints it only when `key` (what and its status) changed. */
  private draw(line: string, key = line): void {
    if (!this.enabled) return;
    if (this.live) {
      this.io.stderr.write(`\r\x1b[2K${line}`);
    } else if (key !== this.last) {
      this.last = key;
      this.io.stderr.write(`${line}\n`);
    }
  }

  /** A spinner with the status of what is awaited and the time waited (a plain line per new status off a terminal). */
  status(what: string, status: string): void {
    this.frame = (this.frame + 1) % FRAMES.length;
    const seconds = Math.round((Date.now() - this.started) / 1000);
    const text = `${what}: ${status}`;
    this.draw(this.live ? `${FRAMES[this.frame]} ${text} ${seconds}s` : `${text} (${seconds}s)`, text);
  }

  /** A bar for a transfer of known size (a spinner with the count when unknown); off a terminal, one line at the end. */
  bytes(what: string, done: number, total?: number): void {
    if (!this.live) {
      if (total !== undefined && total > 0 && done >= total) this.draw(`${what}: ${size(done)} (100%)`);
      return;
    }
    if (total === undefined || total <= 0) {
      this.status(what, size(done));
      return;
    }
    const share = Math.min(1, done / total);
    const filled = Math.round(share * BAR_WIDTH);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`;
    this.draw(`${what} [${bar}] ${Math.floor(share * 100)}% ${size(done)}/${size(total)}`);
  }

  done(line?: string): void {
    if (!this.enabled) return;
    if (this.live) this.io.stderr.write('\r\x1b[2K');
    if (line) this.io.stderr.write(`${line}\n`);
  }
}
