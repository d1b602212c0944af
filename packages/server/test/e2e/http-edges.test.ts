/**
 * HTTP edges on both real bins: parser-level rejections get a JSON 4xx with a message, an
 * increment followed by junk on the same connection still gets its own 200 (never a 4xx), and
 * JSON bodies with prototype keys are refused and change nothing.
 */
import { expect } from 'chai';
import { Cluster, SECRET, http } from './harness.js';
import { incOk, valueAt } from './counter-calls.js';
import { errorOf, rawExchange, rawRequest } from './raw-http.js';

describe('e2e: HTTP edges (balancer + 1 server)', function () {
  this.timeout(60_000);
  let cluster: Cluster;
  let server: { url: string; port: number };
  let balancer: { url: string; port: number };

  before(async function () {
    this.timeout(30_000);
    cluster = await new Cluster({ servers: 1 }).start();
    server = cluster.server('s1');
    if (cluster.balancer === undefined) throw new Error('no balancer');
    balancer = cluster.balancer;
  });
  after(async () => cluster?.stopAll());

  describe('an increment followed by junk on the same connection', () => {
    const junks = ['GARBAGE\r\n\r\n', '\u0000\u0001\u0002 junk', 'POST /counter/junk HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n1', 'G\r\n\r\n'];
    for (const [i, junk] of junks.entries()) {
      it(`answers the increment's 200, never a 4xx, and counts it once (junk #${i + 1})`, async () => {
        const name = `junk-${i}`;
        const request = rawRequest('POST', `/counter/${name}`, { headers: ['Connection: keep-alive'], body: '1' });
        const { response, raw } = await rawExchange(server.port, request + junk);
        if (response !== undefined) {
          expect(response.status, raw).to.equal(200);
          expect(response.body).to.equal('1');
          expect(raw.match(/HTTP\/1\.1 /g), 'no second status after the 200').to.have.length(1);
        }
        expect(await valueAt(server.url, name)).to.equal(1n);
      });
    }

    it('answers every pipelined increment before the junk, each with its 200', async () => {
      const one = rawRequest('POST', '/counter/junk-pipelined', { headers: ['Connection: keep-alive'], body: '1' });
      const { raw } = await rawExchange(server.port, `${one}${one}${one}JUNK\r\n\r\n`);
      expect(raw.match(/HTTP\/1\.1 \d{3}/g), raw).to.deep.equal(['HTTP/1.1 200', 'HTTP/1.1 200', 'HTTP/1.1 200']);
      expect(await valueAt(server.url, 'junk-pipelined')).to.equal(3n);
    });

    it('closes the connection once the answer is written', async () => {
      const request = rawRequest('POST', '/counter/junk-close', { headers: ['Connection: keep-alive'], body: '1' });
      const exchange = await rawExchange(server.port, `${request}JUNK\r\n\r\n`, 5000);
      expect(exchange.isClosed).to.equal(true);
      expect(exchange.response?.status).to.equal(200);
    });
  });

  describe('parser-level rejections', () => {
    const cases: Array<[string, string, number]> = [
      ['duplicate Content-Length', 'POST /counter/p HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n12', 400],
      ['a 20 KiB header', `GET /ping HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\n\r\n`, 431],
      ['bad chunking', 'POST /counter/p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n1\r\n0\r\n\r\n', 400],
      ['a malformed request line', 'GET /ping HTTP/9\r\n\r\n', 400],
      ['Content-Length with Transfer-Encoding', 'POST /counter/p HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n1\r\n0\r\n\r\n', 400],
      // Node destroys a CONNECT's socket without a status unless someone listens for it.
      ['a CONNECT request', 'CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n', 405],
    ];
    for (const bin of ['server', 'balancer'] as const) {
      for (const [what, bytes, status] of cases) {
        it(`gives ${what} a JSON ${status} with a message and Connection: close (${bin})`, async () => {
          const port = bin === 'server' ? server.port : balancer.port;
          const { response, isClosed } = await rawExchange(port, bytes);
          expect(response?.status, what).to.equal(status);
          expect(response?.headers.connection).to.equal('close');
          expect(errorOf(response)?.message, response?.body).to.be.a('string').and.not.equal('');
          expect(isClosed).to.equal(true);
        });
      }
    }

    it('changed no counter', async () => {
      const names = JSON.parse((await http.get(`${server.url}/counters`)).body) as string[];
      expect(names.filter((n) => !n.startsWith('junk-'))).to.deep.equal([]);
    });
  });

  describe('prototype keys in JSON bodies', () => {
    const bodies = [
      '{"amount": 5, "__proto__": {"amount": 7}}',
      '{"amount": 5, "constructor": {"prototype": {"x": 1}}}',
      '{"amount": 5, "prototype": 1}',
      '{"\\u005f_proto__": {}, "amount": 5}',
    ];
    for (const body of bodies) {
      it(`answers 400 to the public body ${body} and changes nothing`, async () => {
        await incOk(server.url, 'proto', 0n);
        const before = await valueAt(server.url, 'proto');
        const res = await http.post(`${server.url}/counter/proto`, { body, headers: { 'content-type': 'application/json' } });
        expect(res.statusCode).to.equal(400);
        expect(JSON.parse(res.body).error.code).to.equal('forbidden_key');
        expect(await valueAt(server.url, 'proto')).to.equal(before);
      });
    }

    it('answers 400 to a frame with a __proto__ key, even with the secret, and merges nothing', async () => {
      const frame = `{"from":"evil","slot":"evil:1","full":true,"counters":{"proto":{"evil:1":["9","0"]},"__proto__":{"evil:1":["9","0"]}}}`;
      const res = await http.post(`${server.url}/internal/replicate`, { body: frame, headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}` } });
      expect(res.statusCode).to.equal(400);
      expect(JSON.parse(res.body).error.code).to.equal('forbidden_key');
      expect(await valueAt(server.url, 'proto')).to.equal(0n);
    });

    it('answers 400 to a registration with a constructor key, and registers nothing', async () => {
      const res = await http.post(`${balancer.url}/servers`, {
        body: '{"id": "evil", "url": "http://127.0.0.1:9", "constructor": {"prototype": {}}}',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}` },
      });
      expect(res.statusCode).to.equal(400);
      expect(JSON.parse(res.body).error.code).to.equal('forbidden_key');
      const list = JSON.parse((await http.get(`${balancer.url}/servers`)).body) as Array<{ id: string }>;
      expect(list.map((s) => s.id)).to.deep.equal(['s1']);
    });
  });
});
