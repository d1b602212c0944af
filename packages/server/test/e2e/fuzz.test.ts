/**
 * A seeded raw-socket fuzz of one real server: thousands of requests with random methods, paths
 * (internal spellings and bad names included), headers and bodies (bad JSON, prototype keys, huge
 * amounts, bad chunking, junk after a body). Every answer is a 2xx, or a 4xx with a JSON message;
 * never a 5xx, never a crash; and every counter ends equal to the sum of its accepted increments.
 * Set FUZZ_SEED to replay a failure; the seed is in every failure message.
 */
import { expect } from 'chai';
import { Cluster, http } from './harness.js';
import { errorOf, rawExchange, spellings, type RawExchange } from './raw-http.js';
import { mulberry32, randInt } from './random.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const REQUESTS = 2000;
const CONCURRENCY = 8;
const TIME_BUDGET_MS = 40_000;
const NAMES = ['fz-a', 'fz-b', 'fz-c', 'Fz.d', 'fz:e_1'];

interface Case {
  what: string;
  bytes: string;
  /** The amount this request adds if the server accepts it; undefined when it must not be applied. */
  amount?: bigint;
  isHead?: boolean;
}

type Rand = () => number;
const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;

function request(method: string, path: string, headers: string[], body = '', options: { length?: boolean } = {}): string {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', 'Accept: application/json', ...headers];
  if (options.length !== false && body !== '') lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

function randomAmount(rand: Rand): bigint {
  const size = BigInt(randInt(rand, 0, 1000));
  return rand() < 0.3 ? -size : size;
}

function extraHeaders(rand: Rand, index: number): string[] {
  const out: string[] = [];
  if (rand() < 0.2) out.push(`X-Fuzz-${randInt(rand, 0, 99)}: ${'v'.repeat(randInt(rand, 0, 200))}`);
  if (rand() < 0.1) out.push(`Idempotency-Key: fz-${SEED}-${index}`); // unique: a replay would count nothing
  if (rand() < 0.05) out.push('Authorization: Bearer wrong-secret');
  return out;
}

const BAD_TEXT = ['1.5', 'abc', '', ' 5', '+5', '9'.repeat(30), '-9223372036854775808', '0x10', '1e3', '5\n\n', '\uFEFF5', '--1'];
const BAD_JSON = ['{"amount":', '{"amount": 1.5}', '[1]', 'null', '{"amount": 5, "__proto__": {"amount": 1}}', '{"constructor": 1, "amount": 2}',
  '{"amount": {"prototype": 3}}', '{"amount": "1e3"}', `{"amount": ${'9'.repeat(25)}}`, '{}'];
const BAD_NAMES = ['-x', 'a'.repeat(201), 'a%2Fb', '%00', '%C3%A9', '.x', 'a%20b', '%', 'a/b'];
const JUNK = ['GARBAGE\r\n\r\n', '\u0000\u0001\r\n\r\n', 'G\r\n\r\n', 'POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'];

/** One random request; weights favour valid increments so the accounting means something. */
function randomCase(rand: Rand, index: number): Case {
  const name = pick(rand, NAMES);
  const roll = rand();
  const amount = randomAmount(rand);
  const headers = extraHeaders(rand, index);
  if (roll < 0.3) return { what: 'text increment', bytes: request('POST', `/counter/${name}`, headers, `${amount}${rand() < 0.2 ? '\n' : ''}`), amount };
  if (roll < 0.4) {
    const body = rand() < 0.5 ? `{"amount": ${amount}}` : `{"amount": "${amount}"}`;
    return { what: 'json increment', bytes: request('POST', `/counter/${name}`, ['Content-Type: application/json', ...headers], body), amount };
  }
  if (roll < 0.45) {
    const text = String(amount);
    const body = `${text.length.toString(16)}\r\n${text}\r\n0\r\n\r\n`;
    return { what: 'chunked increment', bytes: request('POST', `/counter/${name}`, ['Transfer-Encoding: chunked', ...headers], body, { length: false }), amount };
  }
  if (roll < 0.5) return { what: 'increment + junk', bytes: request('POST', `/counter/${name}`, headers, String(amount)).replace('Connection: close', 'Connection: keep-alive') + pick(rand, JUNK), amount };
  if (roll < 0.57) return { what: 'bad text amount', bytes: request('POST', `/counter/${name}`, headers, pick(rand, BAD_TEXT)) };
  if (roll < 0.64) return { what: 'bad json', bytes: request('POST', `/counter/${name}`, ['Content-Type: application/json', ...headers], pick(rand, BAD_JSON)) };
  if (roll < 0.69) return { what: 'bad name', bytes: request(pick(rand, ['GET', 'POST']), `/counter/${pick(rand, BAD_NAMES)}${rand() < 0.5 ? '/value' : ''}`, headers, '1') };
  if (roll < 0.76) {
    const route = pick(rand, ['/internal/replicate', '/internal/state', `/internal/counter/${name}`, '/internal/x']);
    const method = pick(rand, ['GET', 'POST', 'HEAD', 'OPTIONS', 'PUT']);
    const frame = `{"from":"fz","slot":"fz:1","full":true,"counters":{"${name}":{"fz:1":["1000","0"]}}}`;
    return { what: 'internal spelling', bytes: request(method, pick(rand, spellings(route)), ['Content-Type: application/json', ...headers], method === 'POST' ? frame : ''), isHead: method === 'HEAD' };
  }
  if (roll < 0.8) {
    const method = pick(rand, ['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'FOO']);
    return { what: 'odd method', bytes: request(method, `/counter/${name}`, headers, method === 'HEAD' || method === 'TRACE' ? '' : '1'), isHead: method === 'HEAD' };
  }
  if (roll < 0.84) return { what: 'bad chunking', bytes: request('POST', `/counter/${name}`, ['Transfer-Encoding: chunked', ...headers], `${pick(rand, ['zz', '-1', '1;'.repeat(3000), 'ffffffffffffffffff'])}\r\n1\r\n0\r\n\r\n`, { length: false }) };
  if (roll < 0.87) return { what: 'header abuse', bytes: pick(rand, [
    request('POST', `/counter/${name}`, ['Content-Length: 1', 'Content-Length: 2', ...headers], '12', { length: false }),
    request('GET', `/counter/${name}/value`, [`X-Big: ${'a'.repeat(20 * 1024)}`]),
    request('GET', `/counter/${name}/value`, ['Tally-Token: not-a-token']),
    request('POST', `/counter/${name}?wait=${pick(rand, ['bogus', '0', '99', '-1'])}`, headers, '1'),
  ]) };
  if (roll < 0.9) return { what: 'huge body', bytes: request('POST', `/counter/${name}`, headers, '1'.repeat(randInt(rand, 4097, 20_000))) };
  if (roll < 0.93) return { what: 'pure junk', bytes: pick(rand, [...JUNK, 'GET\r\n\r\n', `${'A'.repeat(100)} / HTTP/1.1\r\n\r\n`, 'GET / HTTP/1.1\r\nHost x\r\n\r\n']) };
  return { what: 'read', bytes: request('GET', pick(rand, [`/counter/${name}/value`, `/counter/${name}/value?consistency=all`, `/counter/${name}/consistent_value`, '/counters', '/ping', '/readyz', '/metrics', `/requests/fz-${SEED}-1`]), headers) };
}

describe(`e2e: seeded raw-socket fuzz (1 server, ${REQUESTS} requests, seed ${SEED})`, function () {
  this.timeout(90_000);
  let cluster: Cluster;

  before(async function () {
    this.timeout(30_000);
    cluster = await new Cluster({ servers: 1, withBalancer: false }).start();
  });
  after(async () => cluster?.stopAll());

  it('answers every request with a 2xx or a 4xx with a message, never a 5xx, and counts exactly the accepted increments', async () => {
    const proc = cluster.server('s1');
    const rand = mulberry32(SEED);
    const cases = Array.from({ length: REQUESTS }, (_, i) => randomCase(rand, i));
    const sums = new Map<string, bigint>();
    const seen = new Map<string, number>();
    const started = Date.now();
    let next = 0;
    const check = (i: number, c: Case, ex: RawExchange): void => {
      const where = `seed ${SEED}, request #${i} (${c.what}): ${JSON.stringify(c.bytes.slice(0, 300))} -> ${JSON.stringify(ex.raw.slice(0, 400))}`;
      const res = ex.response;
      expect(res, `no answer: ${where}`).to.not.equal(undefined);
      if (res === undefined) return;
      seen.set(`${res.status}`, (seen.get(`${res.status}`) ?? 0) + 1);
      expect(res.status, where).to.satisfy((s: number) => (s >= 200 && s < 300) || (s >= 400 && s < 500));
      if (res.status >= 400 && c.isHead !== true) expect(errorOf(res), `4xx without a JSON message: ${where}`).to.not.equal(undefined);
      if (res.status >= 300 || res.headers['tally-applied'] !== 'true') return;
      expect(c.amount, `applied a request that must be refused: ${where}`).to.not.equal(undefined);
      const name = (JSON.parse(res.body) as { name: string }).name;
      sums.set(name, (sums.get(name) ?? 0n) + (c.amount ?? 0n));
    };
    const worker = async (): Promise<void> => {
      while (next < cases.length && Date.now() - started < TIME_BUDGET_MS) {
        const i = next++;
        const c = cases[i] as Case;
        check(i, c, await rawExchange(proc.port, c.bytes, 5000));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const elapsed = Date.now() - started;
    console.log(`      ${next} requests in ${elapsed} ms; statuses ${JSON.stringify(Object.fromEntries([...seen].sort()))}`);
    expect(next, `seed ${SEED}: ran out of time budget`).to.equal(REQUESTS);

    expect(proc.child.exitCode, `seed ${SEED}: the server died`).to.equal(null);
    expect(JSON.parse((await http.get(`${proc.url}/ping`)).body)).to.deep.equal({ status: 'OK', id: 's1' });
    for (const name of new Set([...NAMES, ...sums.keys()])) {
      const value = await http.get(`${proc.url}/counter/${encodeURIComponent(name)}/value`);
      expect(BigInt(value.body), `seed ${SEED}: value of ${name}`).to.equal(sums.get(name) ?? 0n);
    }
    const names = JSON.parse((await http.get(`${proc.url}/counters`)).body) as string[];
    expect(names.filter((n) => !sums.has(n)), `seed ${SEED}: counters no accepted increment created`).to.deep.equal([]);
  });
});
