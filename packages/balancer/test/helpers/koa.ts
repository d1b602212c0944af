/** A bare koa app on an ephemeral loopback port, for tests of one middleware or helper. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';

export interface KoaServer {
  url: string;
  close(): Promise<void>;
}

export async function startKoa(setup: (app: Koa) => void): Promise<KoaServer> {
  const app = new Koa();
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
