/**
 * Runs a balancer app on an ephemeral loopback port, as a user would reach it, with a got
 * client that never retries, never follows redirects, never throws on a status, and times out.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import got, { type Response } from 'got';
import { pino, type Logger } from 'pino';
import { Registry as MetricsRegistry } from 'prom-client';
import { resolveConfig, type BalancerConfig } from '@tally/core';
import { createApp, type AppDeps, type BalancerApp } from '../../src/app.js';
import { FakeCalls } from './fake-calls.js';

export const SECRET = 'test-secret';

export const http = got.extend({
  retry: { limit: 0 },
  throwHttpErrors: false,
  followRedirect: false,
  timeout: { request: 5000 },
});

/** A validated config, as the process would have it, from flag values. */
export function testConfig(flags: Record<string, string> = {}): BalancerConfig {
  const result = resolveConfig('tally-balancer', { env: {}, flags: { secret: SECRET, ...flags } });
  if (!result.ok) throw new Error(`bad test config: ${result.problems.join('; ')}`);
  return result.config;
}

export const silentLog = (): Logger => pino({ level: 'silent' });

/** A logger whose JSON lines land in `lines`, to check what was logged. */
export function capturingLog(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { log, lines };
}

export interface RunningApp {
  url: string;
  balancer: BalancerApp;
  metrics: MetricsRegistry;
  close(): Promise<void>;
}

export async function startApp(config: BalancerConfig = testConfig(), deps: Partial<AppDeps> = {}): Promise<RunningApp> {
  const metrics = deps.metrics ?? new MetricsRegistry();
  // Servers here are names, not processes: their stats calls are refused unless a test answers them.
  const balancer = createApp(config, { log: silentLog(), checkHealth: async () => true, callServer: new FakeCalls().call, ...deps, metrics });
  const server = createServer(balancer.app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, balancer, metrics, close: () => closeServer(server, balancer) };
}

async function closeServer(server: Server, balancer: BalancerApp): Promise<void> {
  balancer.stop();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export const json = <T>(res: Response<string>): T => JSON.parse(res.body) as T;

/** POST /servers with the secret. */
export function register(base: string, id: string, url: string, secret = SECRET): Promise<Response<string>> {
  return http.post(`${base}/servers`, { json: { id, url }, headers: { authorization: `Bearer ${secret}` } });
}

/** Polls `probe` every `everyMs` until it returns true; fails after `withinMs`. */
export async function waitFor(what: string, probe: () => Promise<boolean> | boolean, withinMs: number, everyMs = 25): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - start;
    if (Date.now() - start > withinMs) throw new Error(`timed out after ${withinMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
