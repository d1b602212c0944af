// Talking to the balancer: JSON routes and the snapshot feed, with the client token when the
// cluster needs one. The token lives in this tab's sessionStorage and goes out only as
// `Authorization: Bearer`, to this origin.

const TOKEN_KEY = 'tally.clientToken';

export class AuthError extends Error {
  constructor() {
    super('the balancer needs a client token');
  }
}

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY) ?? '',
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

function headers() {
  const t = token.get();
  return t === '' ? {} : { authorization: `Bearer ${t}` };
}

/** GET a JSON route; throws AuthError on 401 and an Error with the server's message otherwise. */
export async function getJson(path, signal) {
  const res = await fetch(path, { headers: headers(), cache: 'no-store', signal });
  if (res.status === 401) throw new AuthError();
  const body = await res.json().catch(() => undefined);
  if (!res.ok) throw new Error(body?.error?.message ?? `${path} answered ${res.status}`);
  return body;
}

/**
 * Reads Server-Sent Events from `path` until the stream ends or `signal` aborts. EventSource
 * cannot send an Authorization header, so this parses the stream from fetch itself.
 */
export async function readEvents(path, onEvent, signal) {
  const res = await fetch(path, { headers: { ...headers(), accept: 'text/event-stream' }, cache: 'no-store', signal });
  if (res.status === 401) throw new AuthError();
  if (!res.ok || res.body === null) throw new Error(`${path} answered ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      dispatch(buffer.slice(0, end), onEvent);
      buffer = buffer.slice(end + 2);
    }
  }
}

function dispatch(block, onEvent) {
  let event = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length > 0) onEvent(event, JSON.parse(data.join('\n')));
}
