/**
 * Turns argv + environment + config file into a validated config, for the process entry files.
 * The file reader is passed in so that this stays free of I/O and testable.
 */
import { parseArgs } from 'node:util';
import {
  BOOLEAN_KEYS,
  configFlags,
  flagName,
  resolveConfig,
  type BalancerConfig,
  type ConfigResult,
  type ProcessKind,
  type ServerConfig,
} from './config.js';

export interface CliInput {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  /** Returns the file's text, or undefined when it does not exist. Throws on other errors. */
  readTextFile: (path: string) => string | undefined;
  /** Used when neither --config nor TALLY_CONFIG names a file; it may be absent. */
  defaultConfigPath: string;
}

export type CliResult<C> = ConfigResult<C> | { ok: 'help'; text: string };

export function configFromCli(kind: 'tally-server', input: CliInput): CliResult<ServerConfig>;
export function configFromCli(kind: 'tally-balancer', input: CliInput): CliResult<BalancerConfig>;
export function configFromCli(kind: ProcessKind, input: CliInput): CliResult<ServerConfig | BalancerConfig> {
  const flags = configFlags(kind);
  const options: Record<string, { type: 'string' | 'boolean' }> = { config: { type: 'string' }, help: { type: 'boolean' } };
  const booleanFlags = new Set([...BOOLEAN_KEYS].map(flagName));
  for (const flag of flags) options[flag] = { type: booleanFlags.has(flag) ? 'boolean' : 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...input.argv], options, strict: true, allowPositionals: false }));
  } catch (err) {
    return { ok: false, problems: [(err as Error).message] };
  }
  if (values.help === true) return { ok: 'help', text: usage(kind, flags) };

  const explicitPath = (values.config as string | undefined) ?? input.env.TALLY_CONFIG;
  const path = explicitPath ?? input.defaultConfigPath;
  let file: unknown;
  try {
    const text = input.readTextFile(path);
    if (text === undefined && explicitPath !== undefined) return { ok: false, problems: [`config file ${path} does not exist`] };
    if (text !== undefined) file = JSON.parse(text);
  } catch (err) {
    return { ok: false, problems: [`config file ${path}: ${(err as Error).message}`] };
  }
  const stringFlags: Record<string, string | undefined> = {};
  for (const flag of flags) {
    const value = values[flag];
    stringFlags[flag] = typeof value === 'boolean' ? String(value) : value;
  }
  const sources = { file, env: input.env, flags: stringFlags };
  return kind === 'tally-server' ? resolveConfig(kind, sources) : resolveConfig(kind, sources);
}

function usage(kind: ProcessKind, flags: string[]): string {
  return [
    `usage: ${kind} [--config FILE] [--FLAG VALUE ...]`,
    '',
    'Every flag can also be set as TALLY_<FLAG> in the environment or as a camelCase key in the',
    'config file (tally.config.json at the repo root by default). Flags win over the environment,',
    'which wins over the file.',
    '',
    `flags: ${flags.map((f) => `--${f}`).join(' ')}`,
  ].join('\n');
}
