import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { pino } from 'pino';
import { createApp } from '../../src/app.js';
import { MemoryStore } from '../support/memory-store.js';
import { testConfig } from '../support/app-server.js';

async function listen(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('Membership#heartbeat() with a dead balancer', () => {
  it('warns once, then at most every 30 s, and logs one info line when the balancer is back', async () => {
    const probe = createServer();
    const port = await listen(probe);
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const balancer = `http://127.0.0.1:${port}`;
    const lines: Array<Record<string, unknown>> = [];
    const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
    const clock = { now: 1_000_000 };
    const { replicator } = createApp(testConfig({ balancer, 'request-timeout-ms': '500' }), { id: 'a', url: 'http://127.0.0.1:1', store: new MemoryStore(), log, now: () => clock.now });
    for (let i = 0; i < 40; i++) {
      clock.now += 1000;
      await replicator.heartbeat();
    }
    const fake = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.end(req.method === 'GET' ? '[]' : '{}'));
    });
    await listen(fake, port);
    try {
      clock.now += 1000;
      await replicator.heartbeat();
    } finally {
      await new Promise<void>((resolve) => fake.close(() => resolve()));
    }
    const about = lines.filter((l) => l.peer === balancer).map((l) => [l.level, l.msg, l.failures]);
    expect(about).to.deep.equal([[40, 'balancer unreachable', 1], [40, 'balancer still unreachable', 31], [30, 'balancer reachable again', 40]]);
  });
});
