/**
 * The balancer's calls to counting servers on behalf of the dashboard. They carry the cluster
 * secret (which opens `/internal/stats`, and the public routes when a client token is set), so
 * their answers are reshaped before anything reaches a browser, and the secret never does.
 */
import got from 'got';

export type CallResult =
  | { ok: true; status: number; body: unknown }
  | { ok: false; error: string };

/** GETs `url` and parses its JSON. Never rejects: a refusal, a timeout or bad JSON is `ok: false`. */
export type CallServer = (url: string, timeoutMs: number) => Promise<CallResult>;

export function createServerCaller(secret: string): CallServer {
  const http = got.extend({
    headers: { authorization: `Bearer ${secret}`, accept: 'application/json' },
    retry: { limit: 0 },
    throwHttpErrors: false,
    followRedirect: false,
  });
  return async (url, timeoutMs) => {
    try {
      const res = await http.get(url, { timeout: { request: timeoutMs } });
      return { ok: true, status: res.statusCode, body: parseJson(res.body) };
    } catch (err) {
      return { ok: false, error: describeFailure(err) };
    }
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `ECONNREFUSED`, `ETIMEDOUT`, ...: short enough for a table cell, and it says what happened. */
function describeFailure(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e.code === 'string' && e.code !== 'ERR_GOT_REQUEST_ERROR') return e.code;
  return typeof e.message === 'string' ? e.message : 'request failed';
}
