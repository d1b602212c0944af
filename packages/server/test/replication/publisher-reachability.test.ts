import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { pino } from 'pino';
import { createApp } from '../../src/app.js';
import { MemoryStore } from '../support/memory-store.js';
import { testConfig } from '../support/app-server.js';

/** A port nothing listens on (yet): bind an ephemeral one and let it go. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A peer that acknowledges every frame. */
async function ackingPeer(port: number): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ slot: 'b:1', merged: 0 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

async function gauge(registry: { getSingleMetricAsString(name: string): Promise<string> }, name: string): Promise<number> {
  const line = (await registry.getSingleMetricAsString(name)).split('\n').find((l) => l.startsWith(`${name}{`));
  return Number(line?.split(' ').at(-1));
}

describe('Publisher#publishRound() with a dead peer', () => {
  it('warns once, then at most every 30 s with the failure count, shows a growing lag, and says when the peer is back', async () => {
    const port = await freePort();
    const peerUrl = `http://127.0.0.1:${port}`;
    const lines: Array<Record<string, unknown>> = [];
    const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
    const clock = { now: 1_000_000 };
    const tally = createApp(testConfig({ peers: peerUrl, 'request-timeout-ms': '500' }), { id: 'a', url: 'http://127.0.0.1:1', store: new MemoryStore(), log, now: () => clock.now });
    const { metrics } = tally;
    await tally.recover();
    await tally.service.increment('x', 1n, {});
    const warnings = () => lines.filter((l) => l.peer === peerUrl && String(l.msg).includes('unreachable'));

    for (let i = 0; i < 20; i++) {
      clock.now += 2000; // 40 s of rounds, one every 2 s
      await tally.replicator.publishRound();
    }
    expect(warnings().map((l) => [l.msg, l.failures])).to.deep.equal([['peer unreachable', 1], ['peer still unreachable', 16]]);
    expect(await gauge(metrics.registry, 'tally_peer_replication_lag_seconds')).to.equal(40);
    expect(await gauge(metrics.registry, 'tally_peer_pending_counters')).to.equal(1);

    const peer = await ackingPeer(port);
    try {
      clock.now += 2000;
      await tally.replicator.publishRound();
      expect(lines.filter((l) => l.msg === 'peer reachable again').map((l) => [l.peer, l.failures, l.level])).to.deep.equal([[peerUrl, 20, 30]]);
      expect(await gauge(metrics.registry, 'tally_peer_replication_lag_seconds')).to.equal(0);
      expect(await gauge(metrics.registry, 'tally_peer_pending_counters')).to.equal(0);
      // The increment waited 42 s to reach the peer: one observation, in the 60 s bucket.
      expect(await metrics.registry.getSingleMetricAsString('tally_visibility_lag_seconds')).to.match(/tally_visibility_lag_seconds_count\{peer="b"\} 1/);
    } finally {
      await tally.close();
      await new Promise<void>((resolve) => peer.close(() => resolve()));
    }
  });
});
