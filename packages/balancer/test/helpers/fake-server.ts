/**
 * A stand-in counting server: answers `/readyz` (200, or hangs, or 503) and anything else with
 * its id, on an ephemeral loopback port that it can be restarted on.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeMode = 'ready' | 'hang' | 'unready';

export class FakeServer {
  mode: FakeMode = 'ready';
  readyzHits = 0;
  readonly id: string;
  readonly #server: Server;

  private constructor(id: string, server: Server) {
    this.id = id;
    this.#server = server;
  }

  /** Listens on `port` (0 = ephemeral); pass the old port to restart "the same" server. */
  static async start(id: string, port = 0): Promise<FakeServer> {
    let fake: FakeServer | undefined;
    const server = createServer((req, res) => fake?.handle(req.url ?? '/', res));
    fake = new FakeServer(id, server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return fake;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  handle(path: string, res: ServerResponse): void {
    if (!path.startsWith('/readyz')) return void res.end(this.id);
    this.readyzHits += 1;
    if (this.mode === 'hang') return;
    res.statusCode = this.mode === 'ready' ? 200 : 503;
    res.end(this.mode);
  }

  /** Stops listening and cuts every connection, hanging ones included: like a crash. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }
}
