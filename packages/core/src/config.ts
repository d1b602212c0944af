/**
 * Configuration schema, shared by every process. Sources, later wins: built-in defaults, then
 * `tally.config.json` (top-level keys, then the section named after the process, e.g.
 * `"tally-server": {...}`), then `TALLY_*` environment variables, then command-line flags.
 * The result is validated once, every problem is reported at once, and it is frozen.
 * This module is pure: the caller reads the file, the environment and argv.
 */
import { z } from 'zod';
import { isServerId, SERVER_ID_RULE } from './names.js';
import { didYouMean } from './did-you-mean.js';
import { unsafeSecretProblem } from './listen-safety.js';

export type ProcessKind = 'tally-server' | 'tally-balancer';

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const httpUrl = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''));
const urlList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter((s) => s.length > 0))
  .pipe(z.array(httpUrl));
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const common = {
  host: z.string().min(1).default('127.0.0.1'),
  secret: z.string().min(1, 'secret must not be empty'),
  logLevel: logLevel.default('info'),
  /** When set, the public API requires `Authorization: Bearer <clientToken>`. */
  clientToken: z.string().min(1).optional(),
  /** Timeout of every internal HTTP call and health check. */
  requestTimeoutMs: int(10, 600_000).default(2000),
  /** One info line per request: method, path, status, ms. A bare flag: `--log-requests`. */
  logRequests: z.union([z.boolean(), z.stringbool()]).default(false),
};

/** Keys given as bare flags (`--log-requests`), not `--flag VALUE`. */
export const BOOLEAN_KEYS: ReadonlySet<string> = new Set(['logRequests']);

export const serverConfigSchema = z.strictObject({
  ...common,
  id: z.string().refine(isServerId, SERVER_ID_RULE).optional(),
  port: int(0, 65535).default(7001),
  /** The URL peers and clients use; defaults to http://host:port once listening. */
  url: httpUrl.optional(),
  balancer: httpUrl.optional(),
  peers: urlList.default([]),
  dataDir: z.string().min(1).optional(),
  /** `embedded` (the default, in dataDir) or `redis://host:port/db`. */
  store: z
    .string()
    .refine((s) => s === 'embedded' || /^rediss?:\/\//.test(s), 'store must be "embedded" or a redis:// URL')
    .default('embedded'),
  publishIntervalMs: int(10, 3_600_000).default(1000),
  /** Old name of antiEntropyIntervalMs, still read: the interval when that key is not set. */
  fullSyncIntervalMs: int(100, 86_400_000).default(10_000),
  /** How often each peer pair repairs differences (other servers' slots included). */
  antiEntropyIntervalMs: int(100, 86_400_000).optional(),
  /** `digest`: compare Merkle digests, ship differing leaves; `full`: whole state (the old way). */
  antiEntropy: z.enum(['digest', 'full']).default('digest'),
  /** `off` sends no publish-round deltas (tests of repair alone); `?wait=` pushes still go. */
  deltas: z.enum(['on', 'off']).default('on'),
  /** Peers each server pushes deltas to per round once the cluster is larger than fanoutAbove. */
  fanout: int(1, 1000).default(3),
  /** Cluster size up to which deltas go to every peer. */
  fanoutAbove: int(1, 1_000_000).default(8),
  fsync: z.enum(['always', 'interval', 'none']).default('always'),
  fsyncIntervalMs: int(10, 60_000).default(1000),
  heartbeatIntervalMs: int(10, 600_000).default(1000),
  /** How long `?wait=` writes and `?consistency=` reads wait before answering 408. */
  waitTimeoutMs: int(10, 600_000).default(5000),
  /** How long startup waits for peers' state before giving up on unreachable ones. */
  startupPullTimeoutMs: int(10, 600_000).default(5000),
  maxBodyBytes: int(16, 1 << 20).default(4096),
  maxInternalBodyBytes: int(1024, 1 << 30).default(64 << 20),
  /** Counters this server may hold; a write to a new name beyond it gets 507. Same on every server. */
  maxCounters: int(1, 1_000_000_000).default(1_000_000),
  /** Item ids this server may hold, over every tenant; a `POST /items` that would pass it gets 507. */
  maxItems: int(1, 1_000_000_000).default(10_000_000),
  /** `POST /items` body limit: 10,000 items of 200-character ids and tenants fit in the default. */
  maxItemsBodyBytes: int(16, 1 << 30).default(5 << 20),
  idempotencyTtlMs: int(1000).default(86_400_000),
  idempotencyMaxKeys: int(1, 100_000_000).default(1_000_000),
  /** Snapshot the embedded log once it holds this many bytes beyond the last snapshot. */
  snapshotBytes: int(1024).default(64 << 20),
});
export type ServerConfig = Readonly<z.output<typeof serverConfigSchema>>;

export const balancerConfigSchema = z
  .strictObject({
    ...common,
    port: int(0, 65535).default(7000),
    url: httpUrl.optional(),
    healthIntervalMs: int(10, 600_000).default(1000),
    /** Consecutive failed checks before a server is no longer handed out. */
    suspectAfter: int(1, 1_000_000).default(3),
    /** Consecutive failed checks before a server leaves the registry. */
    removeAfter: int(1, 1_000_000).default(60),
  })
  .refine((c) => c.removeAfter >= c.suspectAfter, {
    message: 'removeAfter must be at least suspectAfter',
    path: ['removeAfter'],
  });
export type BalancerConfig = Readonly<z.output<typeof balancerConfigSchema>>;

const SCHEMAS = { 'tally-server': serverConfigSchema, 'tally-balancer': balancerConfigSchema } as const;
const shapeOf = (kind: ProcessKind): Record<string, z.ZodType> =>
  kind === 'tally-server' ? serverConfigSchema.shape : balancerConfigSchema.shape;
const keysOf = (kind: ProcessKind): string[] => Object.keys(shapeOf(kind));

/** The config keys of a process, in schema order. */
export const configKeys = (kind: ProcessKind): readonly string[] => keysOf(kind);

/** A key's built-in default as text (`7001`, `"info"`), or undefined when it has none. */
export function fieldDefault(kind: ProcessKind, key: string): string | undefined {
  const parsed = shapeOf(kind)[key]?.safeParse(undefined);
  if (parsed?.success !== true || parsed.data === undefined) return undefined;
  return typeof parsed.data === 'string' ? parsed.data : JSON.stringify(parsed.data);
}

/**
 * `TALLY_*` variables that are no config key but are read elsewhere: by the scripts (run folder,
 * base port), by the entry files (config file path) and by the `tally` client.
 */
export const OTHER_TALLY_VARIABLES: readonly string[] = [
  'TALLY_CONFIG', 'TALLY_RUN_DIR', 'TALLY_BALANCER_PORT', 'TALLY_HISTORY', 'TALLY_CLIENT_ID', 'TALLY_BALANCER',
];

/** `publishIntervalMs` -> `--publish-interval-ms`. */
export const flagName = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
/** `publishIntervalMs` -> `TALLY_PUBLISH_INTERVAL_MS`. */
export const envName = (key: string): string => `TALLY_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

/** The flags a process accepts (without `--`), for the argv parser. */
export const configFlags = (kind: ProcessKind): string[] => keysOf(kind).map(flagName);

export interface ConfigSources {
  /** Parsed `tally.config.json`, if any. */
  file?: unknown;
  env: Readonly<Record<string, string | undefined>>;
  /** Flags by flag name without `--`, e.g. `{ 'publish-interval-ms': '200' }`. */
  flags: Readonly<Record<string, string | undefined>>;
}

export type ConfigResult<C> = { ok: true; config: C } | { ok: false; problems: string[] };

/** Merges the sources for one process and validates them; every problem is listed. */
export function resolveConfig(kind: 'tally-server', sources: ConfigSources): ConfigResult<ServerConfig>;
export function resolveConfig(kind: 'tally-balancer', sources: ConfigSources): ConfigResult<BalancerConfig>;
export function resolveConfig(kind: ProcessKind, sources: ConfigSources): ConfigResult<ServerConfig | BalancerConfig> {
  const problems: string[] = [];
  const merged: Record<string, unknown> = {};
  const own = new Set(keysOf(kind));
  const anyProcess = new Set([...keysOf('tally-server'), ...keysOf('tally-balancer')]);

  if (sources.file !== undefined) mergeFile(kind, sources.file, own, anyProcess, merged, problems);
  problems.push(...unknownVariables(sources.env, anyProcess));
  for (const key of own) {
    const fromEnv = sources.env[envName(key)];
    if (fromEnv !== undefined && fromEnv !== '') merged[key] = fromEnv;
  }
  for (const key of own) {
    const fromFlag = sources.flags[flagName(key)];
    if (fromFlag !== undefined) merged[key] = fromFlag;
  }
  const parsed = SCHEMAS[kind].safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(describeIssue(issue, merged));
  }
  // Checked on the raw values too, so it is reported along with every other problem.
  const secretProblem = unsafeSecretProblem({ secret: String(merged.secret ?? ''), host: String(merged.host ?? '127.0.0.1') });
  if (secretProblem !== undefined) problems.push(secretProblem);
  if (problems.length > 0 || !parsed.success) return { ok: false, problems };
  return { ok: true, config: Object.freeze(parsed.data) };
}

/** Every set `TALLY_*` variable that no process reads: a typo would otherwise be ignored silently. */
function unknownVariables(env: ConfigSources['env'], anyProcess: Set<string>): string[] {
  const known = new Set([...[...anyProcess].map(envName), ...OTHER_TALLY_VARIABLES]);
  return Object.keys(env)
    .filter((name) => name.startsWith('TALLY_') && !known.has(name))
    .sort()
    .map((name) => `unknown environment variable ${name}${didYouMean(name, known, 'TALLY_')}`);
}

function mergeFile(
  kind: ProcessKind,
  file: unknown,
  own: Set<string>,
  anyProcess: Set<string>,
  merged: Record<string, unknown>,
  problems: string[],
): void {
  if (!isPlainObject(file)) {
    problems.push('config file must hold a JSON object');
    return;
  }
  for (const [key, value] of Object.entries(file)) {
    if (key === 'tally-server' || key === 'tally-balancer' || key === '$comment') continue;
    if (!anyProcess.has(key)) problems.push(`config file: unknown key '${key}'`);
    else if (own.has(key)) merged[key] = value;
  }
  const section = file[kind];
  if (section === undefined) return;
  if (!isPlainObject(section)) {
    problems.push(`config file: "${kind}" must be an object`);
    return;
  }
  for (const [key, value] of Object.entries(section)) {
    if (own.has(key)) merged[key] = value;
    else problems.push(`config file: unknown key '${kind}.${key}'`);
  }
}

function describeIssue(issue: z.core.$ZodIssue, merged: Record<string, unknown>): string {
  const key = issue.path.map(String).join('.');
  if (key === '') return issue.message;
  const root = String(issue.path[0]);
  const got = merged[root];
  const where = `${key} (--${flagName(root)}, ${envName(root)})`;
  if (got === undefined && issue.code === 'invalid_type') return `${where} is required`;
  return `${where}: ${issue.message}${got === undefined ? '' : `, got ${JSON.stringify(got)}`}`;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
