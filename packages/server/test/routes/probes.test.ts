import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import got from 'got';
import { pino } from 'pino';
import { resolveConfig } from '@tally/core';
import { createApp } from '../../src/app.js';
import { MemoryStore } from '../support/memory-store.js';

const http = got.extend({ retry: { limit: 0 }, throwHttpErrors: false, timeout: { request: 5000 } });

describe('GET /readyz after a store failure', () => {
  let server: Server;
  let url: string;
  const store = new MemoryStore();
  const logged: Array<{ level: number; msg: string }> = [];

  before(async () => {
    const config = resolveConfig('tally-server', { env: {}, flags: { secret: 's', 'startup-pull-timeout-ms': '200' } });
    if (!config.ok) throw new Error(config.problems.join('; '));
    const log = pino({ level: 'info' }, { write: (s: string) => void logged.push(JSON.parse(s) as { level: number; msg: string }) });
    const tally = createApp(config.config, { id: 'a', url: 'http://127.0.0.1:1', store, log });
    await tally.recover();
    server = createServer(tally.app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('answers 503 store_failed without Retry-After, says why in /readyz, and logs once', async () => {
    expect((await http.post(`${url}/counter/x`, { body: '2' })).statusCode).to.equal(200);
    store.isFailing = true;
    const failed = await http.post(`${url}/counter/x`, { body: '1' });
    expect(failed.statusCode).to.equal(500); // the failing write itself: outcome unknown
    store.isFailing = false;
    for (const attempt of [
      () => http.post(`${url}/counter/x`, { body: '1' }),
      () => http.get(`${url}/counter/x/value`),
      () => http.get(`${url}/counters`),
    ]) {
      const res = await attempt();
      expect(res.statusCode).to.equal(503);
      expect(res.headers['retry-after']).to.equal(undefined);
      expect((JSON.parse(res.body) as { error: { code: string } }).error.code).to.equal('store_failed');
    }
    const ready = await http.get(`${url}/readyz`);
    expect(ready.statusCode).to.equal(503);
    expect(ready.headers['retry-after']).to.equal(undefined);
    expect(JSON.parse(ready.body)).to.include({ ready: false, reason: 'store_failed', id: 'a' });
    expect(logged.filter((line) => line.level === 60)).to.have.length(1);
    expect(store.records.filter((r) => r.name === 'x')).to.have.length(1); // nothing after the failure
  });
});

describe('GET /readyz while recovering', () => {
  it('answers 503 with reason recovering, and requests get not_ready with Retry-After', async () => {
    const config = resolveConfig('tally-server', { env: {}, flags: { secret: 's' } });
    if (!config.ok) throw new Error(config.problems.join('; '));
    const { app } = createApp(config.config, { id: 'b', url: 'http://127.0.0.1:1', store: new MemoryStore(), log: pino({ level: 'silent' }) });
    const server = createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const ready = await http.get(`${url}/readyz`);
      expect(ready.statusCode).to.equal(503);
      expect(JSON.parse(ready.body)).to.include({ ready: false, reason: 'recovering' });
      const write = await http.post(`${url}/counter/x`, { body: '1' });
      expect(write.statusCode).to.equal(503);
      expect(write.headers['retry-after']).to.equal('1');
      expect((JSON.parse(write.body) as { error: { code: string } }).error.code).to.equal('not_ready');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
