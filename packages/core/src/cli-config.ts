/**
 * Turns argv + environment + config file into a validated config, for the process entry files.
 * The file reader is passed in so that this stays free of I/O and testable. Every problem (unknown
 * flags, a flag without its value, stray words, a bad file, bad values) is collected and returned
 * together, so one run shows the user everything to fix.
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
import { configUsage } from './config-help.js';
import { didYouMean } from './did-you-mean.js';

export interface CliInput {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  /** Returns the file's text, or undefined when it does not exist. Throws on other errors. */
  readTextFile: (path: string) => string | undefined;
  /** Used when neither --config nor TALLY_CONFIG names a file; it may be absent. */
  defaultConfigPath: string;
  /** What `--version` prints. */
  version?: string;
}

/** `help` and `version` carry the text to print on stdout before exiting 0. */
export type CliResult<C> = ConfigResult<C> | { ok: 'help'; text: string } | { ok: 'version'; text: string };

type Values = Record<string, string | boolean | undefined>;

export function configFromCli(kind: 'tally-server', input: CliInput): CliResult<ServerConfig>;
export function configFromCli(kind: 'tally-balancer', input: CliInput): CliResult<BalancerConfig>;
export function configFromCli(kind: ProcessKind, input: CliInput): CliResult<ServerConfig | BalancerConfig> {
  const flags = configFlags(kind);
  const { values, problems } = parseFlags(input.argv, flags);
  if (values.help === true) return { ok: 'help', text: configUsage(kind) };
  if (values.version === true) return { ok: 'version', text: `${kind} ${input.version ?? 'unknown'}` };

  const file = readConfigFile(values.config as string | undefined, input, problems);
  const stringFlags: Record<string, string | undefined> = {};
  for (const flag of flags) {
    const value = values[flag];
    stringFlags[flag] = typeof value === 'boolean' ? String(value) : value;
  }
  const sources = { file, env: input.env, flags: stringFlags };
  const result = kind === 'tally-server' ? resolveConfig(kind, sources) : resolveConfig(kind, sources);
  if (problems.length === 0) return result;
  return { ok: false, problems: [...problems, ...(result.ok ? [] : result.problems)] };
}

/** Parses argv leniently and turns whatever node's strict mode would throw on into problems. */
function parseFlags(argv: readonly string[], flags: readonly string[]): { values: Values; problems: string[] } {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    config: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean' },
  };
  const booleanFlags = new Set([...BOOLEAN_KEYS].map(flagName));
  for (const flag of flags) options[flag] = { type: booleanFlags.has(flag) ? 'boolean' : 'string' };
  const { values, tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const known = Object.keys(options).map((f) => `--${f}`);
  const problems: string[] = [];
  let skipIndex = -1;
  tokens.forEach((token, i) => {
    if (token.kind === 'option-terminator' || token.index === skipIndex) return;
    if (token.kind === 'positional') return void problems.push(`unexpected argument '${token.value}'`);
    const option = options[token.name];
    if (option === undefined || (token.rawName.startsWith('-') && !token.rawName.startsWith('--') && option.short === undefined)) {
      problems.push(`unknown flag ${token.rawName}${didYouMean(`--${token.name}`, known, '--')}`);
      // `--prot 7001`: the 7001 belongs to the unknown flag, not a stray argument.
      const next = tokens[i + 1];
      if (token.inlineValue !== true && next?.kind === 'positional') skipIndex = next.index;
      return;
    }
    if (option.type === 'string' && (token.value === undefined || (token.inlineValue === false && token.value.startsWith('--')))) {
      problems.push(`${token.rawName} needs a value${token.value === undefined ? '' : `, got the flag ${token.value}`}`);
      delete values[token.name];
    }
  });
  return { values, problems };
}

function readConfigFile(flagPath: string | undefined, input: CliInput, problems: string[]): unknown {
  const explicitPath = flagPath ?? input.env.TALLY_CONFIG;
  const path = explicitPath ?? input.defaultConfigPath;
  try {
    const text = input.readTextFile(path);
    if (text === undefined && explicitPath !== undefined) problems.push(`config file ${path} does not exist`);
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  } catch (err) {
    problems.push(`config file ${path}: ${(err as Error).message}`);
    return undefined;
  }
}
