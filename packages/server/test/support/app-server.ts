/**
 * A counting server app (createApp with a MemoryStore) listening on an ephemeral loopback port,
 * recovered and ready, for route tests over real HTTP.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { resolveConfig, type ServerConfig } from '@tally/core';
import { createApp, type AppDeps, type TallyServerApp } from '../../src/app.js';
import { MemoryStore } from './memory-store.js';

export const SECRET = 'route-secret';

export function testConfig(flags: Record<string, string> = {}): ServerConfig {
  const result = resolveConfig('tally-server', { env: {}, flags: { secret: SECRET, 'startup-pull-timeout-ms': '200', 'publish-interval-ms': '50', ...flags } });
  if (!result.ok) throw new Error(result.problems.join('; '));
  return result.config;
}

export interface RunningServer extends TallyServerApp {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function startServerApp(config = testConfig(), deps: Partial<AppDeps> & { log?: Logger } = {}): Promise<RunningServer> {
  const built = createApp(config, { id: 'a', url: 'http://127.0.0.1:1', store: new MemoryStore(), log: pino({ level: 'silent' }), ...deps });
  await built.recover();
  const server = createServer(built.app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    ...built,
    url,
    server,
    close: async () => {
      built.watchers.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await built.close();
    },
  };
}
