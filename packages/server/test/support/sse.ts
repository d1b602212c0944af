/**
 * A minimal Server-Sent Events reader for tests: opens a stream with node:http and collects
 * `event: value` payloads and comment lines as they arrive. Every wait is bounded.
 */
import { request, type ClientRequest, type IncomingMessage } from 'node:http';

export interface SseStream {
  status: number;
  headers: IncomingMessage['headers'];
  events: Array<{ event: string; data: string }>;
  comments: string[];
  /** Resolves once `count` events arrived; rejects after `timeoutMs`. */
  waitForEvents(count: number, timeoutMs?: number): Promise<void>;
  closed: Promise<void>;
  close(): void;
}

export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req: ClientRequest = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      const stream: SseStream = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        events: [],
        comments: [],
        closed: new Promise((done) => res.once('close', () => done())),
        close: () => req.destroy(),
        waitForEvents: async (count, timeoutMs = 5000) => {
          const deadline = Date.now() + timeoutMs;
          while (stream.events.length < count) {
            if (Date.now() > deadline) throw new Error(`expected ${count} events within ${timeoutMs} ms, got ${JSON.stringify(stream.events)}`);
            await new Promise((r) => setTimeout(r, 10));
          }
        },
      };
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith(':')) stream.comments.push(block.slice(1).trim());
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event !== undefined && data !== undefined) stream.events.push({ event, data });
        }
      });
      res.on('error', () => undefined);
      resolve(stream);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('SSE request timed out')));
    req.end();
  });
}
