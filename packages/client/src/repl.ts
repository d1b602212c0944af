/**
 * The interactive shell. It owns no process state: input, output and what to do on exit are
 * passed in (as in mongosh's cli-repl), so tests drive it with PassThrough streams. Each line is
 * evaluated by `evaluate` and its result printed; errors print as one line and the shell goes on.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { describeError, evaluate, type CommandClient } from './commands.js';

export const MAX_HISTORY = 1000;
const COMMANDS = ['inc', 'dec', 'get', 'servers', 'use', 'help', 'quit', 'exit'];

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
    rl.on('SIGINT', () => {
      output.write('\n(to leave, type quit or press Ctrl-D)\n');
      this.#prompt(rl);
    });
    output.write('tally: type help for the commands, quit or Ctrl-D to leave\n');
    await this.#loop(rl);
    this.#options.onExit(0);
  }

  async #loop(rl: Interface): Promise<void> {
    this.#prompt(rl);
    // The iterator buffers lines typed while an earlier one is still being evaluated.
    for await (const line of rl) {
      if (line.trim() !== '') {
        const result = await this.#evaluate(line);
        await this.#remember(line);
        if (result.output !== '') this.#options.output.write(`${result.output}\n`);
        if (result.exit === true) break;
      }
      this.#prompt(rl);
    }
    rl.close();
  }

  async #evaluate(line: string): Promise<{ output: string; exit?: boolean }> {
    try {
      return await evaluate(line, { client: this.#options.client, json: this.#options.json === true });
    } catch (err) {
      // evaluate does not throw; this guards the shell against a bug taking it down.
      return { output: describeError(err) };
    }
  }

  #prompt(rl: Interface): void {
    const server = this.#options.client.current();
    rl.setPrompt(server === undefined ? 'tally> ' : `tally(${server.id})> `);
    rl.prompt();
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
    this.#options.output.write(`warning: history file ${this.#options.historyFile}: ${(err as Error).message}\n`);
  }
}
