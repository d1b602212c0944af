/**
 * A one-way TCP link between two servers on loopback, for topologies and partitions without
 * netns: a server's `--peers` names the proxy, the proxy forwards to the peer's real port. `cut()`
 * drops every open connection and refuses new ones (a partition); `heal()` lets them through.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export class LinkProxy {
  #server: Server | undefined;
  #target: number | undefined;
  #isCut: boolean;
  readonly #sockets = new Set<Socket>();

  constructor(isCut = false) {
    this.#isCut = isCut;
  }

  /** Listens on an ephemeral loopback port; the target may be set later (`to`). */
  async start(): Promise<this> {
    this.#server = createServer((client) => this.#accept(client));
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server?.address() as AddressInfo).port}`;
  }

  /** Forwards to the server listening at `url` from now on. */
  to(url: string): this {
    this.#target = Number(new URL(url).port);
    return this;
  }

  cut(): void {
    this.#isCut = true;
    for (const socket of this.#sockets) socket.destroy();
  }

  heal(): void {
    this.#isCut = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  #accept(client: Socket): void {
    if (this.#isCut || this.#target === undefined) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: '127.0.0.1', port: this.#target });
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }
}
