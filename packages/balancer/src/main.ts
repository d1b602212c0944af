/**
 * The `tally-balancer` process: the only file that reads argv and the environment, listens,
 * and exits. Everything else is built by `createApp` and can run without a socket.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { collectDefaultMetrics, Registry as MetricsRegistry } from 'prom-client';
import { answerConnect, configFromCli, handleClientError, type BalancerConfig } from '@tally/core';
import { createApp, type BalancerApp } from './app.js';

/** How long open requests may finish after a signal before their connections are cut. */
const SHUTDOWN_GRACE_MS = 1000;
/** The backstop: exit even if closing hangs, well inside the 10 s a supervisor waits. */
const SHUTDOWN_DEADLINE_MS = 5000;
const EXIT_BAD_CONFIG = 2;
const EXIT_CANNOT_LISTEN = 1;

// dist/main.js -> the repo root's tally.config.json.
const DEFAULT_CONFIG_PATH = fileURLToPath(new URL('../../../tally.config.json', import.meta.url));

function readTextFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The validated config, or undefined after printing why there is none (exit code set). */
function loadConfig(): BalancerConfig | undefined {
  const result = configFromCli('tally-balancer', {
    argv: process.argv.slice(2),
    env: process.env,
    readTextFile,
    defaultConfigPath: DEFAULT_CONFIG_PATH,
    version: packageVersion(),
  });
  if (result.ok === 'help' || result.ok === 'version') {
    process.stdout.write(`${result.text}\n`);
    return undefined;
  }
  if (!result.ok) {
    process.stderr.write(`tally-balancer: invalid configuration:\n${result.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    process.exitCode = EXIT_BAD_CONFIG;
    return undefined;
  }
  return result.config;
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

const urlHost = (host: string): string => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

function listen(config: BalancerConfig, balancer: BalancerApp, log: Logger): Server {
  const server = createServer(balancer.app.callback());
  // Parser-level rejections get a JSON 4xx, and never cut off an answer already in flight.
  server.on('clientError', handleClientError);
  server.on('connect', answerConnect);
  server.on('error', (err) => {
    log.fatal({ err }, 'cannot listen');
    process.stderr.write(`tally-balancer: cannot listen on ${config.host}:${config.port}: ${err.message}\n`);
    balancer.stop();
    process.exit(EXIT_CANNOT_LISTEN);
  });
  server.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : config.port;
    balancer.startHealthChecks();
    log.info({ host: config.host, port }, 'listening');
    process.stdout.write(`tally-balancer listening on http://${urlHost(config.host)}:${port}\n`);
  });
  return server;
}

function handleSignals(server: Server, balancer: BalancerApp, log: Logger): void {
  let isShuttingDown = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    // A second signal means "now": cut the remaining connections instead of waiting.
    if (isShuttingDown) return void server.closeAllConnections();
    isShuttingDown = true;
    log.info({ signal }, 'shutting down');
    balancer.stop();
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
    setTimeout(() => {
      log.warn('connections did not close in time; exiting anyway');
      process.exit(0);
    }, SHUTDOWN_DEADLINE_MS).unref();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

function main(): void {
  const config = loadConfig();
  if (config === undefined) return;
  // Logs go to stderr, so stdout carries only the one "listening on" line that scripts parse.
  // Field names shared with tally-server: proc, id, peer, err; ISO timestamps.
  const log = pino({ level: config.logLevel, base: { proc: 'tally-balancer', id: 'balancer' }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2));
  const metrics = new MetricsRegistry();
  collectDefaultMetrics({ register: metrics });
  const balancer = createApp(config, { log, metrics });
  const server = listen(config, balancer, log);
  handleSignals(server, balancer, log);
}

main();
