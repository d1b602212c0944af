/**
 * Raw HTTP/1.1 over a `net` socket, for tests whose bytes a client library would fix up: odd
 * path spellings, duplicate headers, bad chunking, junk after a body. Every exchange is bounded
 * in time; the first response on the connection is parsed.
 */
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawExchange {
  /** The first response, or undefined when the connection closed (or timed out) with none. */
  response: RawResponse | undefined;
  /** Every byte received, for assertions about what came after the first response. */
  raw: string;
  isClosed: boolean;
}

/** Sends `bytes` on a fresh connection to `port`; collects until the server closes or `timeoutMs`. */
export function rawExchange(port: number, bytes: string | Buffer, timeoutMs = 5000): Promise<RawExchange> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let isClosed = false;
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      const raw = Buffer.concat(chunks).toString('latin1');
      resolve({ response: parseFirstResponse(raw), raw, isClosed });
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
    });
    socket.on('error', () => undefined); // a reset is a close: what arrived is what counts
    socket.on('close', () => {
      isClosed = true;
      done();
    });
    socket.write(bytes);
  });
}

/** Builds a request; `Connection: close` unless headers say otherwise, Content-Length for a body. */
export function rawRequest(method: string, path: string, options: { headers?: string[]; body?: string } = {}): string {
  const headers = options.headers ?? [];
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...headers];
  if (!headers.some((h) => /^connection:/i.test(h))) lines.push('Connection: close');
  if (options.body !== undefined && !headers.some((h) => /^(content-length|transfer-encoding):/i.test(h))) {
    lines.push(`Content-Length: ${Buffer.byteLength(options.body)}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n${options.body ?? ''}`;
}

export function parseFirstResponse(raw: string): RawResponse | undefined {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...headerLines] = raw.slice(0, end).split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (match?.[1] === undefined) return undefined;
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = raw.slice(end + 4);
  const length = headers['content-length'];
  let body = length !== undefined ? rest.slice(0, Number(length)) : rest;
  if (headers['transfer-encoding'] === 'chunked') body = dechunk(rest);
  return { status: Number(match[1]), headers, body: Buffer.from(body, 'latin1').toString('utf8') };
}

function dechunk(text: string): string {
  let out = '';
  let at = 0;
  for (let guard = 0; guard < 10_000; guard++) {
    const eol = text.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = parseInt(text.slice(at, eol), 16);
    if (!(size > 0)) break;
    out += text.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
  return out;
}

/** The `{error: {code, message}}` of a response body, or undefined when it is not one. */
export function errorOf(res: RawResponse | undefined): { code: string; message: string } | undefined {
  try {
    const parsed = JSON.parse(res?.body ?? '') as { error?: { code?: unknown; message?: unknown } };
    const e = parsed.error;
    return typeof e?.code === 'string' && typeof e.message === 'string' && e.message.length > 0 ? { code: e.code, message: e.message } : undefined;
  } catch {
    return undefined;
  }
}

/** At least 12 spellings of `path`: case, percent-encoding, slashes, dot segments, query, absolute form. */
export function spellings(path: string): string[] {
  const [first = '', ...rest] = path.slice(1).split('/');
  const tail = rest.length > 0 ? `/${rest.join('/')}` : '';
  const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
  const hex = (c: string): string => `%${c.charCodeAt(0).toString(16)}`;
  return [
    path,
    `/${cap(first)}${tail}`,
    path.toUpperCase(),
    `/${hex(first.charAt(0))}${first.slice(1)}${tail}`,
    `/${hex(first.charAt(0)).toUpperCase()}${first.slice(1)}${tail}`,
    `/%25${hex(first.charAt(0)).slice(1)}${first.slice(1)}${tail}`,
    ...(tail === '' ? [`/${first}%2F`] : [`/${first}%2F${tail.slice(1)}`, `/${first}%2f${tail.slice(1)}`, `/${first}//${tail.slice(1)}`]),
    `//${first}${tail}`,
    `${path}/`,
    `/./${first}${tail}`,
    `/x/../${first}${tail}`,
    `/%2e/${first}${tail}`,
    `/x/%2e%2e/${first}${tail}`,
    `${path}?x=1`,
    `http://127.0.0.1${path}`,
  ];
}
