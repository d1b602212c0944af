import { createServer, type Server } from 'node:http';
import { expect } from 'chai';
import { MAX_COMPACT_PAGE_BYTES } from '@tally/core';
import { PageError } from '../../src/replication/compact-page-read.js';
import { PeerClient } from '../../src/replication/peer-client.js';
import { createPeerHttp } from '../../src/replication/peer-http.js';

/** A loopback server that answers every request with the next canned answer. */
async function cannedServer(answers: Array<[number, string]>): Promise<{ url: string; server: Server; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
    const [status, body] = answers.shift() ?? [500, ''];
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return { url: `http://127.0.0.1:${address.port}`, server, seen };
}

const frame = { from: 'a', slot: 'a:1', full: false, counters: {} };

describe('PeerClient', () => {
  const client = new PeerClient(createPeerHttp({ secret: 'sekrit', timeoutMs: 1000 }));

  it('accepts a valid ack and sends the cluster secret', async () => {
    const peer = await cannedServer([[200, '{"slot":"b:1","merged":2}']]);
    try {
      expect(await client.replicate(peer.url, frame)).to.deep.equal({ isOk: true, ack: { slot: 'b:1', merged: 2, refused: [], refusedCount: 0 } });
      expect(peer.seen).to.deep.equal(['POST /internal/replicate Bearer sekrit']);
    } finally {
      peer.server.close();
    }
  });

  it('treats an ack that does not validate as a refusal, and passes a refusal on', async () => {
    const peer = await cannedServer([[200, '{"slot":"not a slot","merged":2}'], [200, 'nonsense'], [409, '{"error":{}}']]);
    try {
      expect(await client.replicate(peer.url, frame)).to.include({ isOk: false, status: 502 });
      expect(await client.replicate(peer.url, frame)).to.include({ isOk: false, status: 502 });
      expect(await client.replicate(peer.url, frame)).to.include({ isOk: false, status: 409 });
    } finally {
      peer.server.close();
    }
  });

  it('answers undefined for a counter pull or a state page whose envelope does not validate (slots are checked on merge)', async () => {
    const peer = await cannedServer([
      [200, '{"slot":"b:1","name":"x","counter":[["1","0"]]}'],
      [200, '{"slot":"b:1","name":"x","counter":{"b:1":["1","0"]}}'],
      [200, '{"slot":"b:1","counters":{},"next":7}'],
      [503, ''],
    ]);
    try {
      expect(await client.pullCounter(peer.url, 'x', 500)).to.equal(undefined);
      expect((await client.pullCounter(peer.url, 'x', 500))?.counter).to.deep.equal({ 'b:1': ['1', '0'] });
      expect(await client.statePage(peer.url, '0', 10, 500)).to.equal(undefined);
      expect(await client.statePage(peer.url, '0', 10, 500)).to.equal(undefined);
      expect(peer.seen[2]).to.match(/^GET \/internal\/state\?cursor=0&limit=10 /);
    } finally {
      peer.server.close();
    }
  });

  it('validates the balancer list', async () => {
    const peer = await cannedServer([[200, '[{"id":"s1","url":"http://x","status":"ready"}]'], [200, '[{"id":"s1"}]']]);
    try {
      expect(await client.listServers(peer.url)).to.deep.equal([{ id: 's1', url: 'http://x', status: 'ready' }]);
      expect(await client.listServers(peer.url)).to.equal(undefined);
    } finally {
      peer.server.close();
    }
  });

  describe('PeerClient#statePull()', () => {
    /** A loopback server answering each request with the next [status, content type, body]. */
    async function typedServer(answers: Array<[number, string, string | Buffer]>): Promise<{ url: string; server: Server; seen: string[] }> {
      const seen: string[] = [];
      const server = createServer((req, res) => {
        seen.push(`${req.url} ${req.headers.authorization}`);
        const [status, type, body] = answers.shift() ?? [500, 'text/plain', ''];
        res.writeHead(status, { 'content-type': type }).end(body);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('no address');
      return { url: `http://127.0.0.1:${address.port}`, server, seen };
    }
    const compact = 'tally-page 1\n{"slot":"b:1000000","next":"7","slotIds":["b:1000000"]}\nx 0:3:1\n#end 1\n';

    it('asks for the compact format with the secret, and parses the page', async () => {
      const peer = await typedServer([[200, 'application/x-tally-page', compact]]);
      try {
        const pull = await client.statePull(peer.url, '5', 1000, 2_000_000);
        expect(pull).to.deep.equal({ format: 'compact', page: { slot: 'b:1000000', next: '7', counters: [{ name: 'x', slots: [['b:1000000', 3, 1]] }], refused: [] } });
        expect(peer.seen).to.deep.equal(['/internal/state?format=compact&cursor=5 Bearer sekrit']);
      } finally {
        peer.server.close();
      }
    });

    it('takes a JSON page from a peer that predates the format, and answers undefined for a refusal', async () => {
      const peer = await typedServer([[200, 'application/json; charset=utf-8', '{"slot":"b:1","counters":{},"next":null}'], [503, 'application/json', '{}']]);
      try {
        expect(await client.statePull(peer.url, '0', 1000, 2_000_000)).to.deep.equal({ format: 'json', page: { slot: 'b:1', counters: {}, next: null } });
        expect(await client.statePull(peer.url, '0', 1000, 2_000_000)).to.equal(undefined);
      } finally {
        peer.server.close();
      }
    });

    it('refuses a broken page, another content type, and a page past the byte cap, saying why', async () => {
      const huge = Buffer.alloc(MAX_COMPACT_PAGE_BYTES + (1 << 20), 0x61);
      const peer = await typedServer([[200, 'application/x-tally-page', 'tally-page 1\n{}\n'], [200, 'text/html', '<html>'], [200, 'application/x-tally-page', huge]]);
      try {
        await expectRejection(client.statePull(peer.url, '0', 5000, 2_000_000), /the header must be/);
        await expectRejection(client.statePull(peer.url, '0', 5000, 2_000_000), /is application\/x-tally-page or JSON, got 'text\/html'/);
        await expectRejection(client.statePull(peer.url, '0', 5000, 2_000_000), new RegExp(`passed ${MAX_COMPACT_PAGE_BYTES} bytes`));
      } finally {
        peer.server.close();
      }
    });
  });
});

async function expectRejection(promise: Promise<unknown>, why: RegExp): Promise<void> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err, 'rejected').to.be.instanceOf(PageError);
  expect((err as Error).message).to.match(why);
}

