/**
 * `tally`'s command line: global options, one-shot subcommands and the REPL (the default).
 * Everything from the process (argv, env, streams, home directory) comes in as arguments and the
 * exit code goes out as the result, so `main.ts` stays the only file that touches `process`.
 */
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { EXIT_ERROR, EXIT_OK, describeError, exitCodeFor, parsePositiveAmount, runCommand, type Command as TallyCommand } from './commands.js';
import { OutcomeUnknownError, TallyClientError, TimeoutLevelError } from './errors.js';
import { formatLevelTimeout } from './format.js';
import { Repl } from './repl.js';
import { DEFAULT_BALANCER, TallyClient } from './tally-client.js';

export interface CliIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  env: Readonly<Record<string, string | undefined>>;
  /** The user's home directory, for the default history file. */
  home: string;
  /** What `--version` prints. */
  version?: string;
  /** Fires on Ctrl-C (SIGINT) in one-shot commands: it cancels the request, or ends `watch`. */
  signal?: AbortSignal;
}

/** Exit code of a one-shot command cancelled with Ctrl-C, as shells report SIGINT. */
const EXIT_CANCELLED = 130;

interface GlobalOptions {
  balancer: string;
  server?: string;
  json?: boolean;
  timeoutMs: number;
  clientId?: string;
  secret?: string;
}

/** Runs `tally` with these arguments (without `node` and the script) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const state = { exitCode: EXIT_OK };
  const program = buildProgram(io, state);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    io.stderr.write(`${describeError(err)}\n`);
    return EXIT_ERROR;
  }
  return state.exitCode;
}

function buildProgram(io: CliIo, state: { exitCode: number }): Command {
  const program = new Command('tally')
    .description('Client of Tally, a distributed counter service: one-shot commands, or an interactive shell')
    .version(io.version ?? 'unknown', '--version', 'print the version and exit')
    .helpOption('-h, --help', 'show this text (each command has its own: tally COMMAND --help)')
    .option('--balancer <url>', 'balancer URL or host:port (env TALLY_BALANCER)', io.env.TALLY_BALANCER || DEFAULT_BALANCER)
    .option('--server <url>', 'talk to this counting server (URL or host:port) directly, without the balancer')
    .option('--json', 'print each result as one JSON object')
    .option('--timeout-ms <n>', 'timeout of every request, in milliseconds; a whole command gives up after 4.5 s or this, if longer', parsePositiveInt, 3000)
    .option('--secret <secret>', 'the cluster secret, for servers remove (env TALLY_SECRET)', io.env.TALLY_SECRET)
    .option('--client-id <id>', 'the id the balancer maps to a server (env TALLY_CLIENT_ID; default: your home directory, so one-shot commands keep their server)', io.env.TALLY_CLIENT_ID || `tally-cli:${io.home}`)
    .addHelpText('after', '\nexit codes: 0 ok, 1 error, 3 outcome of an increment unknown, 4 wait/consistency level not reached, 130 cancelled (Ctrl-C)')
    // Set before the subcommands are added, which copy these settings.
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(tally --help shows the usage)');
  addIncrement(program, 'inc', 'add N (default 1) to a counter', io, state);
  addIncrement(program, 'dec', 'subtract N (default 1) from a counter', io, state);
  addGet(program, io, state);
  addItems(program, io, state);
  addServers(program, io, state);
  addOpsCommands(program, io, state);
  addRepl(program, io, state);
  return program;
}

function addGet(program: Command, io: CliIo, state: { exitCode: number }): void {
  program
    .command('get')
    .description('read a counter')
    .argument('<name>', 'counter name')
    .option('--consistency <level>', 'local (default), quorum, all or a number of servers')
    .action(async (name: string, options: { consistency?: string }, command: Command) => {
      const run: TallyCommand = { kind: 'get', name, ...(options.consistency === undefined ? {} : { consistency: options.consistency }) };
      state.exitCode = await oneShot(command, () => run, io);
    });
}

function addServers(program: Command, io: CliIo, state: { exitCode: number }): void {
  const servers = program
    .command('servers')
    .description("the balancer's servers (health, load and replication lag), next to the members as a server sees them")
    .action(async (_options: unknown, command: Command) => {
      state.exitCode = await oneShot(command, () => ({ kind: 'servers' }), io);
    });
  servers
    .command('remove')
    .description('take a server out of the cluster for good (decommission); needs the cluster secret')
    .argument('<id>', 'server id')
    .option('--force', "for a server that can't be reached: increments only it held are lost")
    .action(async (id: string, options: { force?: boolean }, command: Command) => {
      state.exitCode = await oneShot(command, () => ({ kind: 'remove', id, force: options.force === true }), io);
    });
}

function addIncrement(program: Command, verb: 'inc' | 'dec', description: string, io: CliIo, state: { exitCode: number }): void {
  program
    .command(verb)
    .description(description)
    .argument('<name>', 'counter name')
    .argument('[n]', 'a positive integer of at most 2^63-1', '1')
    .option('--wait <w>', 'answer once W servers hold it: a number, quorum or all')
    .option('--key <key>', 'Idempotency-Key, to settle an earlier "outcome unknown" on the same server')
    .action(async (name: string, n: string, options: { wait?: string; key?: string }, command: Command) => {
      const make = (): TallyCommand => {
        const amount = parsePositiveAmount(n);
        return { kind: 'inc', name, amount: verb === 'dec' ? -amount : amount, ...options };
      };
      state.exitCode = await oneShot(command, make, io);
    });
}

function addItems(program: Command, io: CliIo, state: { exitCode: number }): void {
  const items = program.command('items').description("item sets per tenant (distinct ids, as in 000's and 002's API)");
  items
    .command('add')
    .description("add ids to a tenant's set; an id already there counts once")
    .argument('<tenant>', 'tenant (the counter-name rule)')
    .argument('<ids...>', 'item ids, 1 to 200 characters each')
    .option('--wait <w>', 'answer once W servers hold them: a number, quorum or all')
    .action(async (tenant: string, ids: string[], options: { wait?: string }, command: Command) => {
      state.exitCode = await oneShot(command, () => ({ kind: 'items-add', tenant, ids, ...options }), io);
    });
  items
    .command('count')
    .description("count a tenant's distinct ids")
    .argument('<tenant>', 'tenant')
    .option('--consistency <level>', 'local (default), quorum, all or a number of servers')
    .action(async (tenant: string, options: { consistency?: string }, command: Command) => {
      state.exitCode = await oneShot(command, () => ({ kind: 'items-count', tenant, ...options }), io);
    });
}

function addOpsCommands(program: Command, io: CliIo, state: { exitCode: number }): void {
  program
    .command('list')
    .description('every counter (whose name starts with PREFIX) and its value')
    .argument('[prefix]', 'name prefix', '')
    .action(async (prefix: string, _options: unknown, command: Command) => {
      state.exitCode = await oneShot(command, () => ({ kind: 'list', prefix }), io);
    });
  program
    .command('slots')
    .description("a counter's breakdown by slot: server, incarnation, p, n, value")
    .argument('<name>', 'counter name')
    .action(async (name: string, _options: unknown, command: Command) => {
      state.exitCode = await oneShot(command, () => ({ kind: 'slots', name }), io);
    });
  program
    .command('watch')
    .description("print a counter's value now and on every change, until Ctrl-C")
    .argument('<name>', 'counter name')
    .action(async (name: string, _options: unknown, command: Command) => {
      state.exitCode = await oneShot(command, () => ({ kind: 'watch', name }), io);
    });
}

function addRepl(program: Command, io: CliIo, state: { exitCode: number }): void {
  program
    .command('repl', { isDefault: true })
    .description('interactive shell (the default); history in ~/.tally_history or TALLY_HISTORY')
    .allowExcessArguments(true)
    .action(async (_options: unknown, command: Command) => {
      // As the default command, it receives any word that names no command.
      const [word] = command.args;
      if (word !== undefined) command.error(`error: unknown command '${word}'`);
      const globals = command.optsWithGlobals<GlobalOptions>();
      const client = makeClient(globals);
      const history = io.env.TALLY_HISTORY ?? join(io.home, '.tally_history');
      try {
        state.exitCode = await new Promise<number>((resolve, reject) => {
          const repl = new Repl({ input: io.stdin, output: io.stdout, client, onExit: resolve, json: globals.json === true, ...(history === '' ? {} : { historyFile: history }) });
          repl.start().catch(reject);
        });
      } finally {
        client.close();
      }
    });
}

/** Runs one command and prints its result; returns the exit code. */
async function oneShot(command: Command, make: () => TallyCommand, io: CliIo): Promise<number> {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const isJson = globals.json === true;
  let client: TallyClient | undefined;
  try {
    client = makeClient(globals);
    const print = (line: string): void => void io.stdout.write(`${line}\n`);
    const { output } = await runCommand(make(), { client, json: isJson, print, ...(io.signal === undefined ? {} : { signal: io.signal }) });
    if (output !== '') io.stdout.write(`${output}\n`);
    return EXIT_OK;
  } catch (err) {
    if (err instanceof TallyClientError && err.code === 'cancelled') {
      io.stderr.write(`${describeError(err)}\n`);
      return EXIT_CANCELLED;
    }
    const best = err instanceof TimeoutLevelError ? formatLevelTimeout(err, isJson) : undefined;
    if (best !== undefined) io.stdout.write(`${best}\n`);
    // With --json, a script must be able to parse failures too (an unknown outcome's key above all).
    else if (isJson) io.stdout.write(`${JSON.stringify(errorJson(err))}\n`);
    io.stderr.write(`${describeError(err)}\n`);
    return exitCodeFor(err);
  } finally {
    client?.close();
  }
}

function makeClient(globals: GlobalOptions): TallyClient {
  return new TallyClient({
    balancer: globals.balancer,
    timeoutMs: globals.timeoutMs,
    ...(globals.server === undefined ? {} : { server: globals.server }),
    ...(globals.clientId === undefined ? {} : { clientId: globals.clientId }),
    ...(globals.secret === undefined ? {} : { secret: globals.secret }),
  });
}

function parsePositiveInt(text: string): number {
  const n = Number(text);
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`must be a positive integer, got '${text}'`);
  }
  return n;
}

function errorJson(err: unknown): { error: Record<string, string | number> } {
  if (!(err instanceof TallyClientError)) return { error: { code: 'error', message: err instanceof Error ? err.message : String(err) } };
  const error: Record<string, string | number> = { code: err.code, message: err.message };
  if (err.status !== undefined) error.status = err.status;
  if (err instanceof OutcomeUnknownError) Object.assign(error, { key: err.key, server: err.server.id, counter: err.counter, amount: err.amount.toString() });
  return { error };
}
