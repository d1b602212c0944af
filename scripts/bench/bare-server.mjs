#!/usr/bin/env node
/**
 * Baseline for the HTTP benchmark: a counter on bare `node:http`, with the same two routes and the
 * same body rule as Tally, and nothing else. Prints `listening on URL` like the real bins.
 * Usage: node scripts/bench/bare-server.mjs [port]
 */
import { createServer } from 'node:http';
import { ClientError, CounterMap, assertName, parseAmount, readBody } from './counter-logic.mjs';

const counters = new CounterMap();
const VALUE_PATH = /^\/counter\/([^/]+)\/value$/;
const COUNTER_PATH = /^\/counter\/([^/]+)$/;

/**
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 */
async function handle(req, res) {
  const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
  if (req.method === 'GET' && (path === '/readyz' || path === '/ping')) return send(res, 200, 'ok');
  const read = req.method === 'GET' ? VALUE_PATH.exec(path) : null;
  if (read) return send(res, 200, String(counters.value(assertName(decodeURIComponent(read[1] ?? '')))));
  const write = req.method === 'POST' ? COUNTER_PATH.exec(path) : null;
  if (write) {
    const name = assertName(decodeURIComponent(write[1] ?? ''));
    const amount = parseAmount(await readBody(req));
    return send(res, 200, String(counters.increment(name, amount)));
  }
  throw new ClientError(404, 'not_found', `no route for ${req.method} ${path}`);
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {string} body
 * @param {string} [type]
 */
function send(res, status, body, type = 'text/plain; charset=utf-8') {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const server = createServer((req, res) => {
  handle(req, res).catch((err) => {
    const status = err instanceof ClientError ? err.status : 500;
    const code = err instanceof ClientError ? err.code : 'internal';
    const message = err instanceof ClientError ? err.message : 'internal error';
    if (status === 500) process.stderr.write(`${err?.stack ?? err}\n`);
    send(res, status, JSON.stringify({ error: { code, message } }), 'application/json');
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  process.stdout.write(`bare-counter listening on http://127.0.0.1:${address.port}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
