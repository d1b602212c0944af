/**
 * A bare koa app on an ephemeral loopback port, for tests of one middleware or one route module
 * without the rest of the server.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import got from 'got';
import { errorMiddleware } from '../../src/http/errors.js';
import { silentLog } from './start-server.js';

/** No retries, no throwing on 4xx/5xx, and a timeout on every call. */
export const http = got.extend({ retry: { limit: 0 }, throwHttpErrors: false, timeout: { request: 5000 } });

export interface KoaServer {
  url: string;
  close(): Promise<void>;
}

/** Listens with `setup`'s middleware behind the real error middleware. */
export async function startKoa(setup: (app: Koa) => void, withErrors = true): Promise<KoaServer> {
  const app = new Koa();
  if (withErrors) app.use(errorMiddleware(silentLog));
  setup(app);
  const server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
