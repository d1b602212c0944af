/**
 * One HTTP exchange, classified by what it tells us about a write: an answer (any status), a
 * request that certainly never reached the server, or one that may have. Retrying is the
 * caller's job, because only it knows whether a retry is safe.
 */
import { Agent as HttpAgent, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import got, { RequestError, type Got, type Request } from 'got';

export interface HttpAnswer {
  kind: 'answer';
  status: number;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  body: unknown;
  text: string;
}

export type HttpOutcome =
  | HttpAnswer
  /** Nothing reached the server (refused, unresolvable, unreachable): safe to send elsewhere. */
  | { kind: 'not-sent'; reason: string }
  /** The request may have reached the server (timeout, reset): a write's outcome is unknown. */
  | { kind: 'unknown'; reason: string }
  /** The caller's AbortSignal fired: the user cancelled it (a write's outcome is unknown). */
  | { kind: 'cancelled'; reason: string };

export interface HttpRequest {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Overrides the client's timeout, for requests the server may hold (wait/consistency levels). */
  timeoutMs?: number;
  /** Cancels the request (Ctrl-C in the shell). */
  signal?: AbortSignal | undefined;
}

/** Errors raised before a connection exists: the server cannot have seen the request. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

export class HttpCaller {
  readonly #got: Got;
  readonly #agents: { http: HttpAgent; https: HttpsAgent };
  readonly #timeoutMs: number;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
    // Own agents, so that `close()` can drop this client's keep-alive sockets and nobody else's.
    this.#agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
    this.#got = got.extend({
      agent: this.#agents,
      timeout: { request: timeoutMs },
      retry: { limit: 0 },
      throwHttpErrors: false,
      followRedirect: false,
      responseType: 'text',
      headers: { 'user-agent': 'tally-client/0.1.0' },
    });
  }

  async call(request: HttpRequest): Promise<HttpOutcome> {
    try {
      const response = await this.#got(request.url, {
        method: request.method,
        headers: request.headers ?? {},
        body: request.body,
        ...(request.timeoutMs === undefined ? {} : { timeout: { request: request.timeoutMs } }),
        ...(request.signal === undefined ? {} : { signal: request.signal }),
      });
      const text = response.body;
      return { kind: 'answer', status: response.statusCode, headers: response.headers, body: parseJson(text), text };
    } catch (err) {
      if (request.signal?.aborted === true) return { kind: 'cancelled', reason: 'cancelled' };
      return this.#classify(err, request.timeoutMs ?? this.#timeoutMs);
    }
  }

  /**
   * A long-lived GET (Server-Sent Events): `timeoutMs` bounds the wait for the answer's headers,
   * and `idleMs` the silence between chunks (the server sends a heartbeat every ~15 s).
   */
  stream(url: string, options: { headers: Record<string, string>; signal: AbortSignal; idleMs: number; timeoutMs?: number }): Request {
    return this.#got.stream(url, {
      headers: options.headers,
      signal: options.signal,
      timeout: { request: undefined, response: options.timeoutMs ?? this.#timeoutMs, socket: options.idleMs },
    });
  }

  /** Closes every socket of this client, cutting requests in flight; later calls open new ones. */
  close(): void {
    this.#agents.http.destroy();
    this.#agents.https.destroy();
  }

  #classify(err: unknown, timeoutMs: number): HttpOutcome {
    if (!(err instanceof RequestError)) throw err;
    if (NOT_SENT_CODES.has(err.code)) return { kind: 'not-sent', reason: `${err.message} (${err.code})` };
    if (err.code === 'ETIMEDOUT') return { kind: 'unknown', reason: `no answer within ${timeoutMs}ms` };
    return { kind: 'unknown', reason: `${err.message} (${err.code})` };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
