/**
 * A loopback HTTP server that answers from a script (`'POST /path'` to status and body, or
 * 'hang') and records every request it got, with its Authorization header.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';

export type Scripted = { status: number; body: string } | 'hang';

export interface ScriptedServer {
  url: string;
  /** `METHOD /path?query authorization` of every request, in arrival order. */
  requests: string[];
  close(): Promise<void>;
}

/** Listens on an ephemeral port; a request the script does not name gets 404. */
export async function startScripted(script: Record<string, Scripted>): Promise<ScriptedServer> {
  const requests: string[] = [];
  const app = new Koa();
  app.use(async (ctx) => {
    requests.push(`${ctx.method} ${ctx.url} ${ctx.get('authorization')}`);
    const answer = script[`${ctx.method} ${ctx.path}`];
    if (answer === 'hang') return new Promise<void>(() => undefined);
    ctx.status = answer?.status ?? 404;
    ctx.body = answer?.body ?? 'not scripted';
  });
  const server: Server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A scripted answer with a JSON body. */
export const json = (status: number, body: unknown): Scripted => ({ status, body: JSON.stringify(body) });
