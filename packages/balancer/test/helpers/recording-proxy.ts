/**
 * A pass-through HTTP proxy that keeps every byte of every answer it relays, streams included,
 * so a test can search all that a browser received. The browser loads the page through it, so
 * it sees exactly what a real browser would, with no buffering of Server-Sent Events.
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  path: string;
  status: number;
  headers: IncomingHttpHeaders;
  chunks: Buffer[];
}

export class RecordingProxy {
  readonly records: Recorded[] = [];
  readonly #server: Server;
  readonly #target: URL;

  private constructor(target: string) {
    this.#target = new URL(target);
    this.#server = createServer((req, res) => {
      const upstream = request(
        { host: this.#target.hostname, port: this.#target.port, method: req.method, path: req.url, headers: { ...req.headers, host: this.#target.host }, timeout: 10_000 },
        (answer) => {
          const record: Recorded = { method: req.method ?? '', path: req.url ?? '', status: answer.statusCode ?? 0, headers: answer.headers, chunks: [] };
          this.records.push(record);
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.on('data', (chunk: Buffer) => {
            record.chunks.push(chunk);
            res.write(chunk);
          });
          answer.on('end', () => res.end());
          answer.on('error', () => res.destroy());
        },
      );
      upstream.on('error', () => res.destroy());
      res.on('close', () => upstream.destroy());
      req.pipe(upstream);
    });
  }

  static async start(target: string): Promise<RecordingProxy> {
    const proxy = new RecordingProxy(target);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Every answer as text: status line, headers and body, one after another. */
  everything(): string {
    return this.records
      .map((r) => `${r.method} ${r.path} -> ${r.status}\n${JSON.stringify(r.headers)}\n${Buffer.concat(r.chunks).toString('utf8')}`)
      .join('\n');
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }
}
