/**
 * The interactive shell. It owns no process state: input, output and what to do on exit are
 * passed in (as in mongosh's cli-repl), so tests drive it with PassThrough streams. Each line is
 * evaluated by `evaluate` and its result printed; errors print as one line and the shell goes on.
 *
 * Ctrl-C never leaves: it cancels the command in flight (its AbortSignal) or, at the prompt,
 * drops the half-typed line. Lines typed while a command runs wait their turn. Anything printed
 * while the prompt is up (a late message) goes above it, and the prompt is drawn again below.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { clearLine, createInterface, cursorTo, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { describeError, evaluate, type CommandClient } from './commands.js';

export const MAX_HISTORY = 1000;
const COMMANDS = ['inc', 'dec', 'get', 'list', 'slots', 'watch', 'servers', 'use', 'help', 'quit', 'exit'];

export interface ReplOptions {
  input: Readable;
  output: Writable;
  client: CommandClient;
  /** Called once, with 0, after `quit`, `exit` or the end of input (Ctrl-D). */
  onExit: (code: number) => void;
  /** Where history is kept between sessions (last 1000 lines); none when undefined. */
  historyFile?: string;
  json?: boolean;
}

export class Repl {
  readonly #options: ReplOptions;
  /** Oldest first. */
  #history: string[] = [];
  #hasWarnedHistory = false;
  #rl: Interface | undefined;
  /** The command in flight, if any. */
  #inFlight: AbortController | undefined;
  /** True from drawing the prompt until a line is entered. */
  #isAtPrompt = false;

  constructor(options: ReplOptions) {
    this.#options = options;
  }

  /** The lines entered, oldest first, including those loaded from the history file. */
  get history(): readonly string[] {
    return this.#history;
  }

  /** Runs until quit or end of input, then calls `onExit(0)`. Resolves after that. */
  async start(): Promise<void> {
    await this.#loadHistory();
    const { input, output } = this.#options;
    const isTerminal = (output as Writable & { isTTY?: boolean }).isTTY === true;
    const rl = createInterface({
      input,
      output,
      terminal: isTerminal,
      // readline wants the newest line first.
      history: [...this.#history].reverse(),
      historySize: MAX_HISTORY,
      completer: (line: string): [string[], string] => [COMMANDS.filter((c) => c.startsWith(line.trim())), line],
    });
    this.#rl = rl;
    rl.on('SIGINT', () => this.#interrupt(rl));
    output.write('tally: type help for the commands, Ctrl-C cancels, quit or Ctrl-D leaves\n');
    await this.#loop(rl);
    this.#options.onExit(0);
  }

  async #loop(rl: Interface): Promise<void> {
    this.#prompt(rl);
    // The iterator buffers lines typed while an earlier one is still being evaluated.
    for await (const line of rl) {
      this.#isAtPrompt = false;
      if (line.trim() !== '') {
        const result = await this.#evaluate(line);
        if (result.output !== '') this.#options.output.write(`${result.output}\n`);
        await this.#remember(line);
        if (result.exit === true) break;
      }
      this.#prompt(rl);
    }
    rl.close();
  }

  async #evaluate(line: string): Promise<{ output: string; exit?: boolean }> {
    const inFlight = new AbortController();
    this.#inFlight = inFlight;
    try {
      const print = (text: string): void => this.print(text);
      return await evaluate(line, { client: this.#options.client, json: this.#options.json === true, signal: inFlight.signal, print });
    } catch (err) {
      // evaluate does not throw; this guards the shell against a bug taking it down.
      return { output: describeError(err) };
    } finally {
      this.#inFlight = undefined;
    }
  }

  /** Ctrl-C: cancel the command in flight, or drop the half-typed line and prompt again. */
  #interrupt(rl: Interface): void {
    if (this.#inFlight !== undefined) {
      this.#inFlight.abort();
      return;
    }
    // Cursor to the end, mark the line as dropped, then empty readline's buffer.
    rl.write(null, { ctrl: true, name: 'e' });
    this.#options.output.write('^C');
    // `clearLine` (undocumented but in every Node since 10) ends the line and empties the buffer
    // without redrawing; Ctrl-U is the fallback.
    const withClear = rl as Interface & { clearLine?: () => void };
    if (typeof withClear.clearLine === 'function') withClear.clearLine();
    else {
      rl.write(null, { ctrl: true, name: 'u' });
      this.#options.output.write('\n');
    }
    this.#prompt(rl);
  }

  /**
   * Prints a line that arrives on its own time (a watch event, a late warning): while the prompt
   * is up, above it, with the prompt and the half-typed line drawn again below.
   */
  print(text: string): void {
    const { output } = this.#options;
    const rl = this.#rl;
    const isPromptUp = rl !== undefined && this.#isAtPrompt && this.#isTerminal();
    if (!isPromptUp) return void output.write(`${text}\n`);
    clearLine(output, 0);
    cursorTo(output, 0);
    output.write(`${text}\n`);
    rl.prompt(true);
  }

  #isTerminal(): boolean {
    return (this.#options.output as Writable & { isTTY?: boolean }).isTTY === true;
  }

  #prompt(rl: Interface): void {
    const server = this.#options.client.current();
    rl.setPrompt(server === undefined ? 'tally> ' : `tally(${server.id})> `);
    rl.prompt();
    this.#isAtPrompt = true;
  }

  async #loadHistory(): Promise<void> {
    const file = this.#options.historyFile;
    if (file === undefined) return;
    try {
      const text = await readFile(file, 'utf8');
      this.#history = text.split('\n').filter((l) => l.trim() !== '').slice(-MAX_HISTORY);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.#warnHistory(err);
    }
  }

  async #remember(line: string): Promise<void> {
    if (this.#history.at(-1) === line) return;
    this.#history.push(line);
    if (this.#history.length > MAX_HISTORY) this.#history.splice(0, this.#history.length - MAX_HISTORY);
    const file = this.#options.historyFile;
    if (file === undefined) return;
    try {
      // Rewritten on every line (at most 1000 short lines), so a killed shell keeps its history.
      await writeFile(file, `${this.#history.join('\n')}\n`, { mode: 0o600 });
    } catch (err) {
      this.#warnHistory(err);
    }
  }

  #warnHistory(err: unknown): void {
    if (this.#hasWarnedHistory) return;
    this.#hasWarnedHistory = true;
    this.print(`warning: history file ${this.#options.historyFile}: ${(err as Error).message}`);
  }
}
