/**
 * `--help` text for the process bins: every flag with what it does, its built-in default and
 * its environment variable. Pure: the entry file prints it.
 */
import { BOOLEAN_KEYS, configKeys, envName, fieldDefault, flagName, type ProcessKind } from './config.js';

/** One line per config key. A key without a line still shows up in --help, just undescribed. */
const DESCRIPTIONS: Readonly<Record<string, string>> = {
  host: 'address to listen on (loopback unless you set your own secret)',
  port: 'TCP port to listen on; 0 picks a free one',
  url: 'the URL others use to reach this process; defaults to http://HOST:PORT',
  secret: 'cluster secret, required on every internal call (the repo file sets a dev one)',
  logLevel: 'fatal, error, warn, info, debug, trace or silent',
  clientToken: 'when set, the public API requires Authorization: Bearer TOKEN',
  requestTimeoutMs: 'timeout of every internal HTTP call and health check',
  id: 'server id, e.g. s1; defaults to s<PORT>',
  balancer: 'balancer URL to register with and learn peers from',
  peers: 'static peer URLs, comma-separated, for running without a balancer',
  dataDir: 'data directory of the embedded store; defaults to $TALLY_RUN_DIR/data/ID',
  store: '"embedded" or a redis:// URL',
  publishIntervalMs: 'how often changed slots are pushed to peers',
  fullSyncIntervalMs: 'old name of antiEntropyIntervalMs (used when that is not set)',
  antiEntropyIntervalMs: 'how often each peer pair compares digests and repairs differences',
  antiEntropy: 'digest (Merkle digest repair) or full (whole state, for comparison)',
  deltas: 'on, or off to send no publish-round deltas (repair alone; for tests)',
  fanout: 'peers each server pushes deltas to per round above fanoutAbove servers',
  fanoutAbove: 'cluster size up to which deltas go to every peer',
  fsync: 'always (answer after fsync), interval or none',
  fsyncIntervalMs: 'fsync period when fsync is interval',
  heartbeatIntervalMs: 'how often the server re-registers with the balancer',
  waitTimeoutMs: 'how long ?wait= writes and ?consistency= reads wait before a 408',
  startupPullTimeoutMs: "how long start-up waits for peers' state",
  maxBodyBytes: 'size limit of a public request body',
  maxInternalBodyBytes: 'size limit of an internal (replication) body',
  maxItemsBodyBytes: 'size limit of a POST /items body',
  idempotencyTtlMs: 'how long an Idempotency-Key is remembered',
  idempotencyMaxKeys: 'how many Idempotency-Keys are remembered at most',
  snapshotBytes: 'snapshot the embedded log once it grew this much',
  maxCounters: 'most counters one server holds; a new name beyond it answers 507',
  maxItems: 'most item ids one server holds (all tenants); a POST /items beyond it answers 507',
  healthIntervalMs: "how often each server's /readyz is checked",
  suspectAfter: 'failed checks before a server is no longer handed out',
  removeAfter: 'failed checks before a server leaves the list',
  logRequests: 'log one line per HTTP request',
};

/** The full `--help` text of a process bin. */
export function configUsage(kind: ProcessKind): string {
  const rows: Array<[string, string]> = [
    ['-h, --help', 'show this text and exit'],
    ['--version', 'print the version and exit'],
    ['--config FILE', 'config file (env TALLY_CONFIG; default: tally.config.json at the repo root)'],
  ];
  for (const key of configKeys(kind)) {
    const fallback = fieldDefault(kind, key);
    const facts = [`env ${envName(key)}`, ...(fallback === undefined ? [] : [`default ${fallback}`])];
    rows.push([`--${flagName(key)}${BOOLEAN_KEYS.has(key) ? '' : ' VALUE'}`, `${DESCRIPTIONS[key] ?? key} (${facts.join('; ')})`]);
  }
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return [
    `usage: ${kind} [--config FILE] [--FLAG VALUE ...]`,
    '',
    'Sources, later wins: built-in defaults, the config file (top-level keys, then its',
    `"${kind}" section), TALLY_* environment variables, then flags. Every problem is`,
    'reported at once, and the process exits 2.',
    '',
    'flags:',
    ...rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`),
  ].join('\n');
}
