/**
 * tally-server: the only place that reads argv and the environment, listens, and exits.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { answerConnect, configFromCli, handleClientError, type ServerConfig } from '@tally/core';
import { createApp, type TallyServerApp } from './app.js';
import { MemberBook } from './members/member-book.js';
import { itemType } from './items/item-type.js';
import { KeyedLog } from './keyspace/keyed-log.js';
import { openActorsFile } from './state/actors-file.js';
import { EmbeddedStore, RedisStore } from './store/index.js';
import { DataDirInUseError, lockDataDir } from './store/data-dir-lock.js';
import type { Store } from './store/types.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

function readTextFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function loadConfig(): ServerConfig {
  const result = configFromCli('tally-server', {
    argv: process.argv.slice(2),
    env: process.env,
    readTextFile,
    defaultConfigPath: `${repoRoot}tally.config.json`,
    version: packageVersion(),
  });
  if (result.ok === 'help' || result.ok === 'version') {
    process.stdout.write(`${result.text}\n`);
    process.exit(0);
  }
  if (!result.ok) {
    process.stderr.write(`tally-server: invalid configuration:\n${result.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    process.exit(2);
  }
  return result.config;
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

/** The server's own folder: the embedded store's, and where `POST /config` actors and the member set live with either store. */
const dataDirOf = (config: ServerConfig, id: string): string => config.dataDir ?? `${process.env.TALLY_RUN_DIR ?? '.run'}/data/${id}`;

function openStore(config: ServerConfig, id: string, log: Logger): { store: Store; redis?: Redis } {
  if (config.store !== 'embedded') {
    const redis = new Redis(config.store, { maxRetriesPerRequest: 2, connectTimeout: config.requestTimeoutMs, commandTimeout: config.requestTimeoutMs });
    return { store: new RedisStore({ redis, serverId: id, idempotencyTtlMs: config.idempotencyTtlMs, log }), redis };
  }
  const dir = dataDirOf(config, id);
  lockOrExit(dir);
  const store = new EmbeddedStore({
    dir,
    fsync: config.fsync,
    fsyncIntervalMs: config.fsyncIntervalMs,
    snapshotBytes: config.snapshotBytes,
    idempotencyTtlMs: config.idempotencyTtlMs,
    log,
  });
  return { store };
}

/**
 * Holds the data dir for the whole life of the process, before any other file in it is touched.
 * Released on any orderly exit; a SIGKILL leaves a stale lock, which the next start takes over.
 */
function lockOrExit(dir: string): void {
  try {
    const lock = lockDataDir(dir);
    process.once('exit', () => lock.release());
  } catch (err) {
    if (!(err instanceof DataDirInUseError)) throw err;
    process.stderr.write(`tally-server: ${err.message}\n`);
    process.exit(2);
  }
}

async function listen(server: Server, config: ServerConfig): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  return address.port;
}

/** Stops listening, closes the app in order (a final publish, the store), and exits within 9 s. */
function shutdownOnSignal(server: Server, tally: TallyServerApp, redis: Redis | undefined, log: Logger): (signal: string) => Promise<void> {
  return async (signal) => {
    log.info({ signal }, 'shutting down');
    tally.watchers.close(); // open event streams would otherwise hold server.close() for a second
    const hardStop = setTimeout(() => process.exit(1), 9000);
    server.close();
    setTimeout(() => server.closeAllConnections(), 1000).unref();
    let code = 0;
    try {
      await tally.close();
    } catch (err) {
      log.error({ err }, 'close failed');
      code = 1;
    }
    redis?.disconnect();
    clearTimeout(hardStop);
    process.exit(code);
  };
}

async function main(): Promise<void> {
  const config = loadConfig();
  // Field names shared with tally-balancer: proc, id, peer, err; ISO timestamps.
  const baseLog = pino({ level: config.logLevel, base: { proc: 'tally-server' }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2));
  const server = createServer();
  // Parser-level rejections get a JSON 4xx, and never cut off an answer already in flight.
  server.on('clientError', handleClientError);
  server.on('connect', answerConnect);
  server.keepAliveTimeout = 65_000;
  const port = await listen(server, config);
  const id = config.id ?? `s${port}`;
  const log = baseLog.child({ id });
  const url = config.url ?? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  const { store, redis } = openStore(config, id, log.child({ store: config.store === 'embedded' ? 'embedded' : 'redis' }));
  const book = await MemberBook.open({ dir: dataDirOf(config, id), self: { id, url }, now: Date.now, log });
  let onDecommissioned = (): void => undefined;
  const actors = await openActorsFile(dataDirOf(config, id));
  const itemLog = new KeyedLog(itemType, { dir: dataDirOf(config, id), fsync: config.fsync, fsyncIntervalMs: config.fsyncIntervalMs });
  const tally = createApp(config, { id, url, store, log, actors, itemLog, book, onDecommissioned: () => onDecommissioned() });
  server.on('request', tally.app.callback());
  const bound = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  process.stdout.write(`tally-server ${id} listening on ${bound}${bound === url ? '' : ` (advertised as ${url})`}\n`);

  const shutdown = shutdownOnSignal(server, tally, redis, log);
  // A completed decommission exits 0 once its answer is sent: the member set says we left.
  onDecommissioned = () => void shutdown('decommissioned');
  process.once('SIGTERM', (s) => void shutdown(s));
  process.once('SIGINT', (s) => void shutdown(s));

  const report = await tally.recover();
  log.info({ ...report, store: store.describe(), peers: tally.replicator.peers().map((p) => p.url) }, 'recovered');
  process.stdout.write(`tally-server ${id} ready (slot ${report.liveSlot}, ${report.isContinued ? 'continued' : 'new'}: ${report.reason})\n`);
  await tally.startReplication();
}

main().catch((err: unknown) => {
  // System errors (a data dir that is a file, a port in use) are the user's to fix: say what
  // and where, without a stack trace. Anything else is a bug: print everything.
  const e = err as NodeJS.ErrnoException;
  process.stderr.write(`tally-server: ${e.code !== undefined && e.syscall !== undefined ? e.message : (e.stack ?? String(err))}\n`);
  process.exit(1);
});
