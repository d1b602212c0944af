/**
 * Bad input against a real server: every rejection is a 4xx whose JSON message names the
 * problem, and no rejected request changes any counter.
 */
import { expect } from 'chai';
import type { OptionsOfTextResponseBody } from 'got';
import { Cluster, SECRET, http, killAll } from './harness.js';
import { incOk, valueAt } from './counter-calls.js';

const NAME = 'badinput';
const START = 7n;

interface Rejection {
  status: number;
  code: string;
  message: string;
}

describe('e2e: bad input (1 server)', function () {
  this.timeout(30_000);
  let cluster: Cluster;
  let url: string;

  /** Sends a request that must be rejected; returns its status and error body. */
  const reject = async (method: 'GET' | 'POST', path: string, options: OptionsOfTextResponseBody = {}): Promise<Rejection> => {
    const res = await http(`${url}${path}`, { method, ...options });
    expect(res.statusCode, `${method} ${path}: ${res.body}`).to.be.within(400, 499);
    let body: { error?: { code?: unknown; message?: unknown } };
    try {
      body = JSON.parse(res.body) as typeof body;
    } catch {
      throw new Error(`${method} ${path} answered ${res.statusCode} with a body that is not JSON: ${res.body}`);
    }
    expect(body.error?.message, `${method} ${path}: error.message`).to.be.a('string');
    return { status: res.statusCode, code: String(body.error?.code), message: String(body.error?.message) };
  };

  /** Everything a rejected request could have changed: our counter and the list of names. */
  const expectUnchanged = async (): Promise<void> => {
    expect(await valueAt(url, NAME), `value of ${NAME}`).to.equal(START);
    const names = JSON.parse((await http.get(`${url}/counters`)).body) as string[];
    expect(names.filter((n) => n !== NAME && !n.startsWith('ok-')), 'counters created by rejected requests').to.deep.equal([]);
  };

  before(async function () {
    this.timeout(30_000);
    cluster = await new Cluster({ servers: 1 }).start();
    url = cluster.server('s1').url;
    await incOk(url, NAME, START);
  });

  after(async () => {
    await cluster?.stopAll();
  });

  describe('text amounts', () => {
    const cases: Array<[string, string]> = [
      ['1.5', "'1.5'"],
      ['abc', "'abc'"],
      ['', "''"],
      ['1e3', "'1e3'"],
      ['9223372036854775808', "'9223372036854775808'"],
      [' 1', "' 1'"],
      ['+1', "'+1'"],
      ['0x10', "'0x10'"],
    ];
    for (const [body, quoted] of cases) {
      it(`rejects ${JSON.stringify(body)} with 400 naming the amount rule and the input`, async () => {
        const r = await reject('POST', `/counter/${NAME}`, { body, headers: { 'content-type': 'text/plain' } });
        expect(r.status).to.equal(400);
        expect(r.message).to.match(/amount/i);
        expect(r.message).to.include('2^63-1');
        expect(r.message).to.include(quoted);
        await expectUnchanged();
      });
    }
  });

  describe('JSON amounts', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['a fraction', '{"amount": 1.5}', /amount.*'1\.5'/i],
      ['a non-numeric string', '{"amount": "abc"}', /amount.*'abc'/i],
      ['a missing amount', '{}', /"amount"/],
      ['an amount under another key', '{"count": 5}', /"amount"/],
      ['malformed JSON', '{', /JSON/],
    ];
    for (const [what, body, pattern] of cases) {
      it(`rejects ${what} (${body}) with 400`, async () => {
        const r = await reject('POST', `/counter/${NAME}`, { body, headers: { 'content-type': 'application/json' } });
        expect(r.status).to.equal(400);
        expect(r.message).to.match(pattern);
        await expectUnchanged();
      });
    }
  });

  describe('counter names', () => {
    const cases: Array<[string, string]> = [
      ['with a slash', 'a/b'],
      ['with a space', 'a%20b'],
      ['with a leading -', '-abc'],
      ['of 201 characters', 'n'.repeat(201)],
    ];
    for (const [what, path] of cases) {
      it(`rejects a name ${what} with 400 naming the rule, on writes and reads`, async () => {
        const write = await reject('POST', `/counter/${path}`, { body: '1', headers: { 'content-type': 'text/plain' } });
        expect(write.status).to.equal(400);
        expect(write.message).to.include('counter name must be 1 to 200 characters');
        const read = await reject('GET', `/counter/${path}/value`);
        expect(read.status).to.equal(400);
        expect(read.message).to.include('counter name');
        await expectUnchanged();
      });
    }

    it('accepts a name of exactly 200 characters', async () => {
      const name = `ok-${'x'.repeat(197)}`;
      expect(name).to.have.length(200);
      expect(await incOk(url, name, 3n)).to.equal(3n);
      expect(await valueAt(url, name)).to.equal(3n);
    });
  });

  it('rejects a body over 4096 bytes with 413', async () => {
    const body = `${'0'.repeat(5000)}1`;
    const r = await reject('POST', `/counter/${NAME}`, { body, headers: { 'content-type': 'text/plain' } });
    expect(r.status).to.equal(413);
    expect(r.message).to.match(/large|limit|size/i);
    const json = await reject('POST', `/counter/${NAME}`, { body: JSON.stringify({ amount: 1, pad: 'x'.repeat(5000) }), headers: { 'content-type': 'application/json' } });
    expect(json.status).to.equal(413);
    await expectUnchanged();
  });

  describe('internal endpoints', () => {
    // A well-formed frame that would raise our counter by 1000 if it were accepted.
    const frame = (): string => JSON.stringify({ from: 'intruder', slot: 'intruder:1', full: false, counters: { [NAME]: { 'intruder:1': ['1000', '0'] } } });
    const endpoints: Array<['GET' | 'POST', string]> = [
      ['POST', '/internal/replicate'],
      ['GET', '/internal/state'],
      ['GET', `/internal/counter/${NAME}`],
    ];
    const credentials: Array<[string, Record<string, string>]> = [
      ['without a secret', {}],
      ['with a wrong bearer secret', { authorization: 'Bearer not-the-secret' }],
      ['with a wrong Tally-Secret', { 'tally-secret': `${SECRET}x` }],
    ];
    for (const [method, path] of endpoints) {
      for (const [how, headers] of credentials) {
        it(`answers ${method} ${path} ${how} with 401 and changes nothing`, async () => {
          const options: OptionsOfTextResponseBody = { headers: { ...headers, ...(method === 'POST' && { 'content-type': 'application/json' }) } };
          if (method === 'POST') options.body = frame();
          const r = await reject(method, path, options);
          expect(r.status).to.equal(401);
          expect(r.message).to.match(/secret/i);
          await expectUnchanged();
        });
      }
    }

    it('answers a malformed frame envelope with the right secret with 400 and changes nothing', async () => {
      const auth = { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' };
      const bad: Array<[string, RegExp]> = [
        ['{', /JSON/],
        [JSON.stringify({ from: 'intruder', slot: 'not-a-slot', full: false, counters: {} }), /slot/],
        [JSON.stringify({ from: 'intruder', slot: 'intruder:1', full: false, counters: [] }), /counters/],
      ];
      for (const [body, pattern] of bad) {
        const r = await reject('POST', '/internal/replicate', { body, headers: auth });
        expect(r.status, body).to.equal(400);
        expect(r.message, body).to.match(pattern);
      }
      await expectUnchanged();
    });

    it('refuses bad slots one by one in a valid envelope, listing them in the 200 ack, and changes nothing', async () => {
      const auth = { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' };
      const bad: Array<[unknown, string]> = [
        [{ [NAME]: { 'intruder:1': ['-5', '0'] } }, 'bad_value'],
        [{ 'bad name': { 'intruder:1': ['5', '0'] } }, 'bad_counter_name'],
        [{ [NAME]: { 'intruder:1': [5, 0] } }, 'bad_value'],
        [{ [NAME]: { 'intruder:9007199254740991': ['5', '0'] } }, 'bad_incarnation'],
      ];
      for (const [counters, reason] of bad) {
        const body = JSON.stringify({ from: 'intruder', slot: 'intruder:1', full: false, counters });
        const res = await http.post(`${url}/internal/replicate`, { body, headers: auth });
        expect(res.statusCode, body).to.equal(200);
        const ack = JSON.parse(res.body) as { refused: Array<{ reason: string }>; refusedCount: number };
        expect(ack.refused.map((r) => r.reason), body).to.deep.equal([reason]);
        expect(ack.refusedCount).to.equal(1);
      }
      await expectUnchanged();
    });

    it('accepts the same secret on a state pull (the 401s above are about the secret, not the route)', async () => {
      const res = await http.get(`${url}/internal/counter/${NAME}`, { headers: { authorization: `Bearer ${SECRET}` } });
      expect(res.statusCode).to.equal(200);
      expect(JSON.parse(res.body)).to.have.property('name', NAME);
    });
  });

  it('rejects an unknown ?consistency=bogus with 400 naming the levels', async () => {
    const r = await reject('GET', `/counter/${NAME}/value?consistency=bogus`);
    expect(r.status).to.equal(400);
    expect(r.message).to.include('bogus');
    expect(r.message).to.match(/quorum/);
    await expectUnchanged();
  });

  it('rejects ?wait=5 on a 1-server cluster with 400, and counts nothing', async () => {
    const r = await reject('POST', `/counter/${NAME}?wait=5`, { body: '1', headers: { 'content-type': 'text/plain' } });
    expect(r.status).to.equal(400);
    expect(r.message).to.include('wait=5');
    const read = await reject('GET', `/counter/${NAME}/value?wait=5`);
    expect(read.status).to.equal(400);
    await expectUnchanged();
  });

  it('rejects a bad ?wait= on a read by amount 0 (POST body 0) with 400, as on any other write', async () => {
    for (const wait of ['bogus', '5']) {
      const r = await reject('POST', `/counter/${NAME}?wait=${wait}`, { body: '0', headers: { 'content-type': 'text/plain' } });
      expect(r.status, `?wait=${wait}`).to.equal(400);
      expect(r.message).to.include(wait);
    }
    await expectUnchanged();
  });

  it('rejects a bad Tally-Token header with 400', async () => {
    const r = await reject('GET', `/counter/${NAME}/value`, { headers: { 'tally-token': 'not-a-token!' } });
    expect(r.status).to.equal(400);
    expect(r.message).to.include('Tally-Token');
    const forged = Buffer.from(JSON.stringify({ c: NAME, v: { 's1:1': '-1' } })).toString('base64url');
    expect((await reject('GET', `/counter/${NAME}/value`, { headers: { 'tally-token': forged } })).status).to.equal(400);
    await expectUnchanged();
  });

  it('rejects an Idempotency-Key over 200 characters with 400, and counts nothing', async () => {
    const r = await reject('POST', `/counter/${NAME}`, { body: '1', headers: { 'content-type': 'text/plain', 'idempotency-key': 'k'.repeat(201) } });
    expect(r.status).to.equal(400);
    expect(r.message).to.include('Idempotency-Key');
    await expectUnchanged();
  });

  it('rejects an amount behind a UTF-8 byte-order mark with 400, and counts nothing', async () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('5')]);
    const { status, message } = await reject('POST', `/counter/${NAME}`, { body: bom });
    expect(status).to.equal(400);
    expect(message).to.match(/amount/);
    await expectUnchanged();
  });

  it('rejects an empty Idempotency-Key header with 400 rather than applying without one', async () => {
    const { status, message } = await reject('POST', `/counter/${NAME}`, { body: '1', headers: { 'idempotency-key': '' } });
    expect(status).to.equal(400);
    expect(message).to.match(/Idempotency-Key/);
    await expectUnchanged();
  });

  it('reads a never-written counter as 200 0', async () => {
    const res = await http.get(`${url}/counter/never-written/value`);
    expect([res.statusCode, res.body]).to.deep.equal([200, '0']);
  });

  it('answers GET /ping with JSON {status: OK, id}', async () => {
    const res = await http.get(`${url}/ping`);
    expect(res.statusCode).to.equal(200);
    expect(res.headers['content-type']).to.include('application/json');
    expect(JSON.parse(res.body)).to.deep.equal({ status: 'OK', id: 's1' });
  });
});

after(() => killAll());
