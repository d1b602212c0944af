/**
 * The commands of the REPL and of one-shot `tally` runs, apart from any I/O: a line goes in,
 * the text to print comes out. Errors become one line, `error: <message>`, never a stack trace.
 */
import { parseAmountText, quote } from '@tally/core';
import { OutcomeUnknownError, TallyClientError, TimeoutLevelError } from './errors.js';
import { formatIncrement, formatItemsAdd, formatItemsCount, formatRead, formatUse } from './format.js';
import { formatList, formatServers, formatSlots, formatWatchValue } from './format-ops.js';
import type { ItemClient } from './item-client.js';
import type { TallyClient } from './tally-client.js';

/** The part of a client the commands use, so tests can hand in a stand-in. */
export type CommandClient = Pick<TallyClient, 'increment' | 'get' | 'servers' | 'use' | 'useBalancer' | 'current' | 'list' | 'slots' | 'watch'> & { readonly items: Pick<ItemClient, 'add' | 'count'> } &
  Partial<Pick<TallyClient, 'members' | 'removeServer'>>;

export interface CommandContext {
  client: CommandClient;
  json: boolean;
  /** Cancels the command in flight (Ctrl-C); it ends a `watch` cleanly. */
  signal?: AbortSignal;
  /** Where `watch` prints each change as it comes; without it, changes are dropped. */
  print?: (line: string) => void;
}

export type Command =
  | { kind: 'help' }
  | { kind: 'quit' }
  | { kind: 'servers' }
  /** `servers remove ID [--force]`: a decommission through the balancer. */
  | { kind: 'remove'; id: string; force: boolean }
  | { kind: 'use'; id: string }
  /** `use balancer`: unpin. */
  | { kind: 'use-balancer' }
  | { kind: 'list'; prefix: string }
  | { kind: 'slots'; name: string }
  | { kind: 'watch'; name: string }
  /** `dec` is an `inc` with a negative amount. */
  | { kind: 'inc'; name: string; amount: bigint; wait?: string; key?: string }
  | { kind: 'get'; name: string; consistency?: string }
  | { kind: 'items-add'; tenant: string; ids: string[]; wait?: string }
  | { kind: 'items-count'; tenant: string; consistency?: string };

export interface EvalResult {
  output: string;
  /** True after `quit`/`exit`. */
  exit?: boolean;
  /** What a one-shot run would exit with: 0 ok, 1 error, 3 outcome unknown, 4 level timeout. */
  exitCode: number;
}

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_OUTCOME_UNKNOWN = 3;
export const EXIT_LEVEL_TIMEOUT = 4;

export const HELP = [
  'commands:',
  '  inc NAME [N] [--wait W]   add N (default 1) to counter NAME; W is a number, quorum or all',
  '  dec NAME [N] [--wait W]   subtract N (default 1) from counter NAME',
  '  get NAME [LEVEL]          read NAME; LEVEL is local (default), quorum, all or a number',
  '  items add TENANT ID...    add item ids to a tenant\'s set (an id counts once)',
  '  items count TENANT [LVL]  count a tenant\'s distinct ids',
  '  list [PREFIX]             every counter (starting with PREFIX) and its value',
  '  slots NAME                NAME\'s breakdown by slot: server, incarnation, p, n, value',
  '  watch NAME                print NAME\'s value on every change, until Ctrl-C',
  '  servers                   the balancer\'s servers: health, load and replication lag, next to the members; * marks the one in use',
  '  servers remove ID [--force]  take server ID out of the cluster for good (needs the cluster secret)',
  '  use ID                    send every request to server ID from now on',
  '  use balancer              let the balancer pick the server again',
  '  help                      show this text',
  '  quit, exit                leave (Ctrl-D works too)',
].join('\n');

const USAGE: Record<string, string> = {
  inc: 'inc NAME [N] [--wait W] [--key K]',
  dec: 'dec NAME [N] [--wait W] [--key K]',
  get: 'get NAME [LEVEL]',
  use: 'use ID | use balancer',
  list: 'list [PREFIX]',
  slots: 'slots NAME',
  watch: 'watch NAME',
  servers: 'servers [remove ID [--force]]',
  items: 'items add TENANT ID... [--wait W] | items count TENANT [LEVEL]',
};

const usageError = (command: string): TallyClientError =>
  new TallyClientError('usage', `usage: ${USAGE[command] ?? command}`);

/** Evaluates one line. Never throws: errors come back as `error: ...` with their exit code. */
export async function evaluate(line: string, ctx: CommandContext): Promise<EvalResult> {
  try {
    const command = parseLine(line);
    if (command === undefined) return { output: '', exitCode: EXIT_OK };
    return { ...(await runCommand(command, ctx)), exitCode: EXIT_OK };
  } catch (err) {
    return { output: describeError(err), exitCode: exitCodeFor(err) };
  }
}

/** Runs a parsed command; client errors are thrown as they are. */
export async function runCommand(command: Command, ctx: CommandContext): Promise<{ output: string; exit?: boolean }> {
  switch (command.kind) {
    case 'help':
      return { output: HELP };
    case 'quit':
      return { output: '', exit: true };
    case 'servers': {
      const list = await ctx.client.servers({ signal: ctx.signal });
      // The members as the server in use (or the first ready one) sees them; without an answer,
      // the balancer's view stands alone.
      const from = ctx.client.current() ?? list.find((s) => s.status === 'ready');
      const members = from === undefined ? undefined : await ctx.client.members?.(from, { signal: ctx.signal }).catch(() => undefined);
      return { output: formatServers(list, ctx.client.current(), ctx.json, members) };
    }
    case 'use':
      return { output: formatUse(await ctx.client.use(command.id, { signal: ctx.signal }), ctx.json) };
    case 'use-balancer':
      ctx.client.useBalancer();
      return { output: ctx.json ? JSON.stringify({ server: null }) : 'using the balancer: it picks the server from the next request on' };
    case 'inc': {
      const options = { ...(command.wait === undefined ? {} : { wait: command.wait }), ...(command.key === undefined ? {} : { key: command.key }) };
      return { output: formatIncrement(await ctx.client.increment(command.name, command.amount, { ...options, signal: ctx.signal }), ctx.json) };
    }
    case 'get': {
      const options = command.consistency === undefined ? {} : { consistency: command.consistency };
      return { output: formatRead(await ctx.client.get(command.name, { ...options, signal: ctx.signal }), ctx.json) };
    }
    case 'items-add':
      return { output: formatItemsAdd(await ctx.client.items.add(command.tenant, command.ids, { wait: command.wait, signal: ctx.signal }), ctx.json) };
    case 'items-count':
      return { output: formatItemsCount(await ctx.client.items.count(command.tenant, { consistency: command.consistency, signal: ctx.signal }), ctx.json) };
    default:
      return runOpsCommand(command, ctx);
  }
}

/** The commands that look at the cluster rather than count: list, slots, watch. */
async function runOpsCommand(command: Command, ctx: CommandContext): Promise<{ output: string }> {
  switch (command.kind) {
    case 'list':
      return { output: formatList(await ctx.client.list(command.prefix, { signal: ctx.signal }), ctx.json) };
    case 'slots':
      return { output: formatSlots(await ctx.client.slots(command.name, { signal: ctx.signal }), ctx.json) };
    case 'remove': {
      if (ctx.client.removeServer === undefined) throw new TallyClientError('unsupported', 'this client cannot remove servers');
      const answer = await ctx.client.removeServer(command.id, { force: command.force });
      return { output: ctx.json ? JSON.stringify(answer) : `removed ${command.id}${command.force ? ' (forced)' : ''}: it is decommissioned for good` };
    }
    case 'watch': {
      const signal = ctx.signal ?? new AbortController().signal;
      await ctx.client.watch(command.name, { signal, onValue: (name, value) => ctx.print?.(formatWatchValue(name, value, ctx.json)) });
      return { output: '' };
    }
    default:
      throw new TallyClientError('usage', `no such command: ${command.kind}`);
  }
}

/** Parses a REPL line; undefined for a blank one. */
export function parseLine(line: string): Command | undefined {
  const words = line.trim().split(/\s+/).filter((w) => w.length > 0);
  const [verb, ...rest] = words;
  if (verb === undefined) return undefined;
  const { positionals, flags } = splitFlags(verb, rest);
  switch (verb.toLowerCase()) {
    case 'help':
    case '?':
      return { kind: 'help' };
    case 'quit':
    case 'exit':
      return { kind: 'quit' };
    case 'servers':
      return parseServers(positionals, flags);
    case 'use':
      return parseUse(positionals);
    case 'list':
      return parseOptionalWord('list', positionals, (prefix) => ({ kind: 'list', prefix: prefix ?? '' }));
    case 'slots':
    case 'watch':
      return parseName(verb.toLowerCase() as 'slots' | 'watch', positionals);
    case 'inc':
    case 'dec':
      return parseIncrement(verb.toLowerCase() as 'inc' | 'dec', positionals, flags);
    case 'get':
      return parseGet(positionals, flags);
    case 'items':
      return parseItems(positionals, flags);
    default:
      throw new TallyClientError('usage', `unknown command ${quote(verb)}; type help for the list`);
  }
}

/** N for inc/dec: a positive integer of at most 2^63-1, parsed exactly (no float on the way). */
export function parsePositiveAmount(text: string): bigint {
  let amount: bigint;
  try {
    amount = parseAmountText(text);
  } catch {
    amount = 0n;
  }
  if (amount <= 0n) throw new TallyClientError('bad_amount', `N must be a positive integer of at most 2^63-1, got ${quote(text)}`);
  return amount;
}

/** `error: <message>` on one line. */
export function describeError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `error: ${message.replace(/\s*\n\s*/g, ' ')}`;
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof OutcomeUnknownError) return EXIT_OUTCOME_UNKNOWN;
  if (err instanceof TimeoutLevelError) return EXIT_LEVEL_TIMEOUT;
  return EXIT_ERROR;
}

const FLAGS: Record<string, readonly string[]> = { inc: ['wait', 'key'], dec: ['wait', 'key'], get: ['consistency'], items: ['wait', 'consistency'], servers: ['force'] };
/** Flags that take no value. */
const SWITCHES = new Set(['force']);

function splitFlags(verb: string, words: string[]): { positionals: string[]; flags: Map<string, string> } {
  const positionals: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    if (!word.startsWith('--')) {
      positionals.push(word);
      continue;
    }
    const [flag = '', inline] = word.slice(2).split('=', 2);
    const value = inline ?? (SWITCHES.has(flag) ? 'true' : words[++i]);
    if (!(FLAGS[verb.toLowerCase()] ?? []).includes(flag) || value === undefined) throw usageError(verb.toLowerCase());
    flags.set(flag, value);
  }
  return { positionals, flags };
}

function parseServers(positionals: string[], flags: Map<string, string>): Command {
  const [sub, id, extra] = positionals;
  if (sub === undefined && flags.size === 0) return { kind: 'servers' };
  if (sub !== 'remove' || id === undefined || extra !== undefined) throw usageError('servers');
  return { kind: 'remove', id, force: flags.get('force') === 'true' };
}

function parseUse(positionals: string[]): Command {
  const [id, extra] = positionals;
  if (id === undefined || extra !== undefined) throw usageError('use');
  return id === 'balancer' ? { kind: 'use-balancer' } : { kind: 'use', id };
}

function parseOptionalWord(verb: string, positionals: string[], make: (word: string | undefined) => Command): Command {
  if (positionals.length > 1) throw usageError(verb);
  return make(positionals[0]);
}

function parseName(verb: 'slots' | 'watch', positionals: string[]): Command {
  const [name, extra] = positionals;
  if (name === undefined || extra !== undefined) throw usageError(verb);
  return { kind: verb, name };
}

function parseIncrement(verb: 'inc' | 'dec', positionals: string[], flags: Map<string, string>): Command {
  const [name, n, extra] = positionals;
  if (name === undefined || extra !== undefined) throw usageError(verb);
  const amount = n === undefined ? 1n : parsePositiveAmount(n);
  const wait = flags.get('wait');
  const key = flags.get('key');
  return {
    kind: 'inc',
    name,
    amount: verb === 'dec' ? -amount : amount,
    ...(wait === undefined ? {} : { wait }),
    ...(key === undefined ? {} : { key }),
  };
}

function parseGet(positionals: string[], flags: Map<string, string>): Command {
  const [name, level, extra] = positionals;
  if (name === undefined || extra !== undefined || (level !== undefined && flags.has('consistency'))) throw usageError('get');
  const consistency = level ?? flags.get('consistency');
  return consistency === undefined ? { kind: 'get', name } : { kind: 'get', name, consistency };
}

function parseItems(positionals: string[], flags: Map<string, string>): Command {
  const [sub, tenant, ...rest] = positionals;
  const wait = flags.get('wait');
  if (sub === 'add' && tenant !== undefined && rest.length > 0 && !flags.has('consistency')) {
    return { kind: 'items-add', tenant, ids: rest, ...(wait === undefined ? {} : { wait }) };
  }
  const consistency = rest[0] ?? flags.get('consistency');
  if (sub === 'count' && tenant !== undefined && rest.length <= 1 && wait === undefined && !(rest.length === 1 && flags.has('consistency'))) {
    return { kind: 'items-count', tenant, ...(consistency === undefined ? {} : { consistency }) };
  }
  throw usageError('items');
}
