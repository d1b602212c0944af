/**
 * One Server-Sent Events answer on a koa context: `event:`/`data:` frames, a comment line every
 * 15 s so proxies and browsers keep the connection, and one `close()` that every end goes through.
 */
import { PassThrough } from 'node:stream';
import type { Context } from 'koa';

export const HEARTBEAT_MS = 15_000;
/** A browser that stops reading gets cut off rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** How long a browser waits before it reconnects after the stream ends. */
const RETRY_MS = 2000;

export class EventStream {
  readonly #body = new PassThrough();
  readonly #onClose: Array<() => void> = [];
  readonly #heartbeat: NodeJS.Timeout;
  #isClosed = false;

  /** Answers `ctx` with this stream; it closes when the browser goes away. */
  constructor(ctx: Context) {
    ctx.status = 200;
    ctx.type = 'text/event-stream; charset=utf-8';
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Accel-Buffering', 'no');
    // The socket serves nothing after the stream, and a shutdown must not wait for it to idle.
    ctx.set('Connection', 'close');
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    ctx.body = this.#body;
    ctx.res.once('close', () => this.close());
    this.#heartbeat = setInterval(() => this.#write(': keep-alive\n\n'), HEARTBEAT_MS);
    this.#heartbeat.unref();
    this.#write(`retry: ${RETRY_MS}\n\n`);
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  send(event: string, data: unknown): void {
    this.#write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  onClose(callback: () => void): void {
    if (this.#isClosed) callback();
    else this.#onClose.push(callback);
  }

  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    clearInterval(this.#heartbeat);
    this.#body.end();
    for (const callback of this.#onClose.splice(0)) callback();
  }

  #write(text: string): void {
    if (this.#isClosed) return;
    if (this.#body.writableLength > MAX_BUFFERED_BYTES) return this.close();
    this.#body.write(text);
  }
}
