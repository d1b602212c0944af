import { createServer, type Server } from 'node:http';
import { expect } from 'chai';
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
});
