/**
 * What an HTTP server does when Node's parser rejects bytes on a connection (a `clientError`):
 * duplicate Content-Length, bad chunking, oversized headers, a malformed request line, or junk
 * after a request. Node's default writes a bare 400 and destroys the socket, which has two
 * faults: the answer has no body that says why, and when the junk FOLLOWS a request that already
 * reached its handler, that request's own answer is cut off: a client then sees a 400 for an
 * increment that was applied, and retries it.
 *
 * The rule here: a request that reached a handler always gets the handler's answer. When the
 * error follows a complete request whose response is in flight, nothing is written; the socket
 * is ended once that response has finished. Otherwise (no request, or the error is in the
 * request's own body, which its handler then never got) the client gets a JSON 4xx with
 * `Connection: close`.
 *
 * Pure logic over a socket-shaped interface, so core stays free of I/O: each bin passes its
 * `http.Server`'s sockets in (see `handleClientError` in each bin's http-edges.ts).
 */

/** The parts of `net.Socket` (and the in-flight `ServerResponse`) this needs. */
export interface ClientSocket {
  readonly writable: boolean;
  /** Node sets this to the response currently being written on the socket. */
  readonly _httpMessage?: InFlightResponse | null;
  end(data?: string): unknown;
  destroy(): unknown;
}

export interface InFlightResponse {
  readonly writableFinished: boolean;
  readonly headersSent: boolean;
  /** The request being answered; `complete` once its whole body was parsed. */
  readonly req?: { readonly complete: boolean };
  once(event: 'finish' | 'close', listener: () => void): unknown;
}

/** How long a deferred close waits for the in-flight answer before cutting the socket. */
export const DEFERRED_CLOSE_MS = 30_000;

/** A complete request's answer that is not yet fully written. */
const isAwaitingAnswer = (res: InFlightResponse): boolean => !res.writableFinished && res.req?.complete !== false;

/**
 * Ends the socket once every complete request parsed before the error has its answer written.
 * Node hands the socket to the next pipelined response when one finishes (its own 'finish'
 * listener runs before ours), so after each answer, look again at who holds the socket.
 */
function endAfterAnswers(socket: ClientSocket, res: InFlightResponse, onEnd: () => void): void {
  let isDone = false;
  const next = (): void => {
    if (isDone) return;
    isDone = true;
    const following = socket._httpMessage;
    if (following && following !== res && isAwaitingAnswer(following)) return endAfterAnswers(socket, following, onEnd);
    onEnd();
    socket.end();
  };
  res.once('finish', next);
  res.once('close', next);
}

/** Status, code and message for one parser error code (`HPE_*` from llhttp). */
export function describeClientError(code: string | undefined): { status: number; code: string; message: string } {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, code: 'headers_too_large', message: 'request headers are too large: the limit is 16 KiB in all' };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, code: 'chunk_extensions_too_large', message: 'chunk extensions are too large' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, code: 'request_timeout', message: 'the request did not arrive in time' };
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return { status: 400, code: 'bad_request', message: 'malformed HTTP request: Content-Length given twice, or together with Transfer-Encoding' };
    case 'HPE_INVALID_CHUNK_SIZE':
      return { status: 400, code: 'bad_request', message: 'malformed HTTP request: invalid chunk size in a chunked body' };
    default:
      return { status: 400, code: 'bad_request', message: `malformed HTTP request (${code ?? 'parse error'}): it breaks HTTP/1.1 syntax` };
  }
}

/** The raw HTTP/1.1 answer for a parser-level rejection: JSON body, `Connection: close`. */
export function clientErrorResponse(code: string | undefined): string {
  return rawErrorResponse(describeClientError(code));
}

function rawErrorResponse(e: { status: number; code: string; message: string }): string {
  const body = JSON.stringify({ error: { code: e.code, message: e.message } });
  return [
    `HTTP/1.1 ${e.status} ${REASONS[e.status] ?? 'Bad Request'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

const REASONS: Record<number, string> = {
  400: 'Bad Request', 405: 'Method Not Allowed', 408: 'Request Timeout', 413: 'Payload Too Large', 431: 'Request Header Fields Too Large',
};

/**
 * A `CONNECT` request (Node's 'connect' event): with no listener, Node destroys the socket
 * without a status. Tally is no proxy, so it is a wrong method like any other: a JSON 405.
 */
export function answerConnect(_req: unknown, socket: ClientSocket): void {
  if (!socket.writable) return void socket.destroy();
  socket.end(rawErrorResponse({ status: 405, code: 'method_not_allowed', message: 'method CONNECT is not supported: Tally is not a proxy' }));
}

const handled = new WeakSet<ClientSocket>();

/**
 * Answers one parser error on `socket`. Node may report several for one connection (each
 * further chunk fails again); only the first acts. Never throws.
 */
export function handleClientError(err: { code?: string }, socket: ClientSocket): void {
  if (handled.has(socket)) return;
  handled.add(socket);
  const inFlight = socket._httpMessage;
  if (inFlight && isAwaitingAnswer(inFlight)) {
    const timer = setTimeout(() => socket.destroy(), DEFERRED_CLOSE_MS);
    timer.unref?.();
    endAfterAnswers(socket, inFlight, () => clearTimeout(timer));
    return;
  }
  // A request whose own body broke the parser never got that body, so its handler applied
  // nothing: it gets this 4xx, unless its answer already started (then only a cut is honest).
  if (!socket.writable || err.code === 'ECONNRESET' || inFlight?.headersSent === true) {
    socket.destroy();
    return;
  }
  socket.end(clientErrorResponse(err.code));
}
