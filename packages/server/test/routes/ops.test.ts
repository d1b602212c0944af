import { expect } from 'chai';
import got from 'got';
import type { CountersPage, ServerStats, SlotEntry } from '@tally/core';
import { SECRET, startServerApp, testConfig, type RunningServer } from '../support/app-server.js';

const http = got.extend({ retry: { limit: 0 }, throwHttpErrors: false, timeout: { request: 5000 } });
const json = <T>(body: string): T => JSON.parse(body) as T;

describe('GET /counter/:name/slots', () => {
  let app: RunningServer;
  beforeEach(async () => (app = await startServerApp()));
  afterEach(() => app.close());

  it('answers [] for a counter never written', async () => {
    const res = await http.get(`${app.url}/counter/never/slots`);
    expect(res.statusCode).to.equal(200);
    expect(json(res.body)).to.deep.equal([]);
  });

  it('lists every slot sorted by slot id, with p, n and value as decimal strings', async () => {
    await http.post(`${app.url}/counter/x`, { body: '7' });
    await http.post(`${app.url}/counter/x`, { body: '-2' });
    await app.service.receiveFrame({ from: 'b', slot: 'b:5', full: true, counters: { x: { 'b:5': ['10', '1'], 'a:3': ['1', '0'] } } });
    const slots = json<SlotEntry[]>((await http.get(`${app.url}/counter/x/slots`)).body);
    const live = app.service.liveSlot as string;
    expect(slots.map((s) => s.slot)).to.deep.equal(['a:3', live, 'b:5'].sort());
    expect(slots.find((s) => s.slot === live)).to.deep.equal({ slot: live, server: 'a', incarnation: Number(live.split(':')[1]), p: '7', n: '2', value: '5' });
    expect(slots.find((s) => s.slot === 'b:5')).to.deep.equal({ slot: 'b:5', server: 'b', incarnation: 5, p: '10', n: '1', value: '9' });
  });

  it('answers 400 naming the rule for a bad name', async () => {
    const res = await http.get(`${app.url}/counter/${encodeURIComponent('bad name')}/slots`);
    expect(res.statusCode).to.equal(400);
    expect(json<{ error: { code: string; message: string } }>(res.body).error.message).to.include('counter name must be');
  });
});

describe('GET /counters', () => {
  let app: RunningServer;
  before(async () => {
    app = await startServerApp();
    for (const [name, amount] of [['b2', 2], ['a1', 1], ['b1', 5], ['c', 3], ['b3', -4]] as const) await http.post(`${app.url}/counter/${name}`, { body: String(amount) });
  });
  after(() => app.close());

  it('keeps the plain answer (a sorted array of names) without paging parameters', async () => {
    expect(json((await http.get(`${app.url}/counters`)).body)).to.deep.equal(['a1', 'b1', 'b2', 'b3', 'c']);
  });

  it('pages through the names in order with the cursor, with values when asked', async () => {
    const seen: CountersPage['counters'] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const res: { statusCode: number; body: string } = await http.get(`${app.url}/counters`, { searchParams: { values: 'true', limit: '2', ...(cursor !== null && { cursor }) } });
      expect(res.statusCode).to.equal(200);
      const body: CountersPage = json<CountersPage>(res.body);
      expect(body.counters.length).to.be.at.most(2);
      seen.push(...body.counters);
      cursor = body.next;
      if (cursor === null) break;
    }
    expect(cursor).to.equal(null);
    expect(seen).to.deep.equal([{ name: 'a1', value: '1' }, { name: 'b1', value: '5' }, { name: 'b2', value: '2' }, { name: 'b3', value: '-4' }, { name: 'c', value: '3' }]);
  });

  it('filters by prefix, leaves values out unless asked, and says null on the last page', async () => {
    const body = json<CountersPage>((await http.get(`${app.url}/counters?prefix=b&limit=3`)).body);
    expect(body).to.deep.equal({ counters: [{ name: 'b1' }, { name: 'b2' }, { name: 'b3' }], next: null });
  });

  it('sees counters created after the first page was served', async () => {
    await http.get(`${app.url}/counters?limit=1`);
    await http.post(`${app.url}/counter/b15`, { body: '1' });
    const body = json<CountersPage>((await http.get(`${app.url}/counters?prefix=b1`)).body);
    expect(body.counters.map((c) => c.name)).to.deep.equal(['b1', 'b15']);
  });

  it('answers 400 for a limit outside 1..1000, a bad cursor, a bad prefix or a bad values flag', async () => {
    for (const query of ['limit=0', 'limit=1001', 'limit=x', 'cursor=%21%21', 'prefix=a%20b', 'values=maybe']) {
      const res = await http.get(`${app.url}/counters?${query}`);
      expect(res.statusCode, query).to.equal(400);
      expect(json<{ error: { message: string } }>(res.body).error.message, query).to.match(/limit|cursor|prefix|values/);
    }
  });
});

describe('GET /internal/stats', () => {
  let app: RunningServer;
  beforeEach(async () => (app = await startServerApp(testConfig({ peers: 'http://127.0.0.1:9' }))));
  afterEach(() => app.close());

  it('needs the cluster secret', async () => {
    expect((await http.get(`${app.url}/internal/stats`)).statusCode).to.equal(401);
  });

  it("reports the server's identity, counts, rates and peers", async () => {
    for (let i = 0; i < 3; i++) await http.post(`${app.url}/counter/x`, { body: '1' });
    const res = await http.get(`${app.url}/internal/stats`, { headers: { authorization: `Bearer ${SECRET}` } });
    expect(res.statusCode).to.equal(200);
    const stats = json<ServerStats>(res.body);
    const live = app.service.liveSlot as string;
    expect(stats).to.include({ id: 'a', url: 'http://127.0.0.1:1', slot: live, incarnation: Number(live.split(':')[1]), ready: true, counters: 1, incrementsTotal: '3' });
    expect(stats.incrementsPerSecond).to.be.greaterThan(0);
    expect(stats.latencyP99Ms).to.be.a('number').and.greaterThan(0);
    expect(Date.parse(stats.startedAt)).to.be.closeTo(Date.now(), 60_000);
    expect(stats.peers).to.deep.equal([{ id: null, url: 'http://127.0.0.1:9', lastAckAt: null, lagSeconds: null, pendingCounters: 1 }]);
  });
});
