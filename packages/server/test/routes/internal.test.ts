import Router from '@koa/router';
import { expect } from 'chai';
import { MAX_COMPACT_PAGE_COUNTERS, MAX_DIGEST_NODES, MAX_FRAME_COUNTERS, TallyError, type FrameEnvelope } from '@tally/core';
import type { PeerApi } from '../../src/counter/outcomes.js';
import { addInternalRoutes } from '../../src/routes/internal.js';
import { testConfig } from '../support/app-server.js';
import { http, startKoa, type KoaServer } from '../support/koa-server.js';

const SLOT = 's1:1764000000000';

/** A PeerApi that records its calls; `isReady` false makes assertReady throw the 503. */
function fakePeers() {
  const calls: string[] = [];
  const state = { isReady: true };
  const peers: PeerApi = {
    assertReady: () => {
      if (!state.isReady) throw new TallyError(503, 'not_ready', 'recovering');
    },
    receiveFrame: async (frame: FrameEnvelope) => (calls.push(`frame ${frame.from} ${Object.keys(frame.counters).length}`), { slot: SLOT, merged: 1, refused: [], refusedCount: 0 }),
    statePage: (cursor, limit) => (calls.push(`state ${cursor} ${limit}`), { slot: SLOT, counters: {}, next: null }),
    compactStatePage: async (cursor, limit) => (calls.push(`compact ${cursor} ${limit}`), 'tally-page 1\n{}\n#end 0\n'),
    counterPull: (name) => (calls.push(`pull ${name}`), { slot: SLOT, name, counter: {} }),
    digestNodes: (level, nodes) => (calls.push(`digest ${level} ${nodes.join(',')}`), { slot: SLOT, level, children: {} }),
    leavesPage: (leaves, cursor, limit) => (calls.push(`leaves ${leaves.join(',')} ${cursor} ${limit}`), { slot: SLOT, counters: {}, next: null }),
  };
  return { peers, calls, state };
}

describe('addInternalRoutes()', () => {
  let server: KoaServer;
  let fake: ReturnType<typeof fakePeers>;
  beforeEach(async () => {
    fake = fakePeers();
    const router = new Router();
    addInternalRoutes(router, fake.peers, testConfig({ 'max-internal-body-bytes': '4096' }));
    server = await startKoa((app) => app.use(router.routes()));
  });
  afterEach(() => server.close());

  const frame = (counters: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ from: 's1', slot: SLOT, full: false, counters, ...extra });
  const errorOf = (body: string): { code: string; message: string } => JSON.parse(body).error;

  it('hands a valid frame to the service and answers its ack', async () => {
    const res = await http.post(`${server.url}/internal/replicate`, { body: frame({ hits: { [SLOT]: ['1', '0'] } }) });
    expect(JSON.parse(res.body)).to.deep.equal({ slot: SLOT, merged: 1, refused: [], refusedCount: 0 });
    expect(fake.calls).to.deep.equal(['frame s1 1']);
  });

  it('answers 400 bad_frame naming where the envelope is wrong', async () => {
    const res = await http.post(`${server.url}/internal/replicate`, { body: frame({}, { from: 'bad id' }) });
    expect(res.statusCode).to.equal(400);
    expect(errorOf(res.body)).to.deep.include({ code: 'bad_frame' });
    expect(errorOf(res.body).message).to.match(/^invalid frame at from: /);
    expect(fake.calls).to.deep.equal([]);
  });

  it('refuses prototype keys with a 400 before the service sees them', async () => {
    const res = await http.post(`${server.url}/internal/replicate`, { body: `{"from":"s1","slot":"${SLOT}","full":false,"counters":{"__proto__":{}}}` });
    expect(res.statusCode).to.equal(400);
    expect(fake.calls).to.deep.equal([]);
  });

  it('answers 413 body_too_large above the byte limit', async () => {
    const res = await http.post(`${server.url}/internal/replicate`, { body: frame({ hits: { [SLOT]: ['1'.repeat(5000), '0'] } }) });
    expect([res.statusCode, errorOf(res.body).code]).to.deep.equal([413, 'body_too_large']);
    expect(fake.calls).to.deep.equal([]);
  });

  it('answers 413 frame_too_large above the counter cap', async () => {
    const router = new Router();
    addInternalRoutes(router, fake.peers, testConfig());
    const roomy = await startKoa((app) => app.use(router.routes()));
    try {
      const many = Object.fromEntries(Array.from({ length: MAX_FRAME_COUNTERS + 1 }, (_, i) => [`c${i}`, {}]));
      const res = await http.post(`${roomy.url}/internal/replicate`, { body: frame(many) });
      expect(errorOf(res.body)).to.deep.equal({ code: 'frame_too_large', message: `a frame holds at most ${MAX_FRAME_COUNTERS} counters, got ${MAX_FRAME_COUNTERS + 1}` });
      expect(fake.calls).to.deep.equal([]);
    } finally {
      await roomy.close();
    }
  });

  it('pages the state with a bounded limit', async () => {
    await http.get(`${server.url}/internal/state`);
    await http.get(`${server.url}/internal/state?cursor=5&limit=10`);
    expect(fake.calls).to.deep.equal([`state 0 ${MAX_FRAME_COUNTERS}`, 'state 5 10']);
    const res = await http.get(`${server.url}/internal/state?limit=0`);
    expect(errorOf(res.body)).to.deep.equal({ code: 'bad_param', message: `limit must be an integer from 1 to ${MAX_FRAME_COUNTERS}, got "0"` });
  });

  it('answers digest nodes and refuses indexes beyond the level, repeats and too many', async () => {
    await http.get(`${server.url}/internal/digest?level=1&nodes=0,3`);
    expect(fake.calls).to.deep.equal(['digest 1 0,3']);
    for (const query of ['level=0&nodes=1', 'level=1&nodes=2,2', `level=1&nodes=${Array.from({ length: MAX_DIGEST_NODES + 1 }, (_, i) => i % 10).join(',')}`, 'level=1', 'level=99&nodes=0']) {
      const res = await http.get(`${server.url}/internal/digest?${query}`);
      expect(res.statusCode, query).to.equal(400);
    }
  });

  it('answers leaves and a counter pull', async () => {
    await http.get(`${server.url}/internal/leaves?ids=4,2&limit=3`);
    await http.get(`${server.url}/internal/counter/hits`);
    expect(fake.calls).to.deep.equal(['leaves 4,2 0 3', 'pull hits']);
    expect((await http.get(`${server.url}/internal/counter/bad%20name`)).statusCode).to.equal(400);
  });

  it('answers 503 on reads while the service is not ready', async () => {
    fake.state.isReady = false;
    for (const path of ['/internal/state', '/internal/counter/hits', '/internal/digest?level=0&nodes=0', '/internal/leaves?ids=1']) {
      expect((await http.get(`${server.url}${path}`)).statusCode, path).to.equal(503);
    }
    expect(fake.calls).to.deep.equal([]);
  });

  it('answers a compact page as application/x-tally-page, with `limit` capped by MAX_COMPACT_PAGE_COUNTERS, and refuses another format', async () => {
    const res = await http.get(`${server.url}/internal/state?format=compact&cursor=7`);
    expect(res.statusCode).to.equal(200);
    expect(res.headers['content-type']).to.match(/^application\/x-tally-page/);
    expect(res.body).to.equal('tally-page 1\n{}\n#end 0\n');
    const over = await http.get(`${server.url}/internal/state?format=compact&limit=${MAX_COMPACT_PAGE_COUNTERS + 1}`);
    expect(over.statusCode).to.equal(400);
    const bad = await http.get(`${server.url}/internal/state?format=csv`);
    expect(bad.statusCode).to.equal(400);
    expect(errorOf(bad.body)).to.deep.equal({ code: 'bad_param', message: `format must be 'json' or 'compact', got "csv"` });
    expect(fake.calls).to.deep.equal([`compact 7 ${MAX_COMPACT_PAGE_COUNTERS}`]);
  });
});
