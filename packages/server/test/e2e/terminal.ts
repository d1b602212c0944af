/**
 * A pseudo-terminal for CLI tests: one tmux server on its own socket per terminal, driven with
 * send-keys and read with capture-pane. tmux gives the program a real tty (raw mode, Ctrl-C as
 * a key), which PassThrough streams cannot. Every wait is bounded; `close` kills only this tmux.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { sleep } from './harness.js';

const run = promisify(execFile);
let sessions = 0;

const shellQuote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;

export class Terminal {
  readonly #socket: string;

  private constructor(socket: string) {
    this.#socket = socket;
  }

  /** Starts `argv` in a fresh 200x50 terminal, with `env` added to (or, when null, removed from) the environment. */
  static async start(argv: string[], env: Record<string, string | null> = {}): Promise<Terminal> {
    const terminal = new Terminal(`tally-test-${process.pid}-${++sessions}`);
    const unset = Object.entries(env).filter(([, v]) => v === null).flatMap(([k]) => ['-u', k]);
    const set = Object.entries(env).filter(([, v]) => v !== null).map(([k, v]) => `${k}=${v}`);
    const command = ['env', ...unset, ...set, ...argv].map(shellQuote).join(' ');
    await terminal.#tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'main', '-x', '200', '-y', '50', command);
    return terminal;
  }

  /** Types text as it is (no Enter). */
  async type(text: string): Promise<void> {
    await this.#tmux('send-keys', '-t', 'main', '-l', text);
  }

  /** Presses keys by tmux name: `Enter`, `C-c`, `C-d`. */
  async press(...keys: string[]): Promise<void> {
    await this.#tmux('send-keys', '-t', 'main', ...keys);
  }

  /** What the screen and its scrollback show now. */
  async screen(): Promise<string> {
    return this.#tmux('capture-pane', '-p', '-t', 'main', '-S', '-500');
  }

  /** Waits until the screen matches; returns the ms it took. Fails with the screen after `timeoutMs`. */
  async waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<number> {
    const started = Date.now();
    let last = '';
    while (Date.now() - started < timeoutMs) {
      last = await this.screen().catch((err: Error) => `(no screen: ${err.message})`);
      if (pattern.test(last)) return Date.now() - started;
      await sleep(50);
    }
    throw new Error(`screen did not match ${pattern} within ${timeoutMs} ms; it shows:\n${last}`);
  }

  async close(): Promise<void> {
    await this.#tmux('kill-server').catch(() => undefined);
  }

  async #tmux(...args: string[]): Promise<string> {
    const { stdout } = await run('tmux', ['-L', this.#socket, ...args], { timeout: 5000 });
    return stdout;
  }
}
