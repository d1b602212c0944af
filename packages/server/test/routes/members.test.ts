import Router from '@koa/router';
import { expect } from 'chai';
import { TallyError, type Member } from '@tally/core';
import { MemberBook } from '../../src/members/member-book.js';
import { addMemberRoutes } from '../../src/routes/members.js';
import { http, startKoa, type KoaServer } from '../support/koa-server.js';
import { silentLog } from '../support/start-server.js';

const CLOCK = Date.UTC(2026, 11, 1);
const member = (id: string, over: Partial<Member> = {}): Member => ({ id, epoch: 1, url: `http://127.0.0.1:700${id.slice(1)}`, urlAt: 1, state: 'active', lastContactAt: 0, ...over });

describe('addMemberRoutes()', () => {
  let server: KoaServer;
  let book: MemberBook;
  let runs: number[];
  let decommissioned: number;
  let isReady: boolean;
  beforeEach(async () => {
    book = MemberBook.volatile({ self: { id: 's1', url: 'http://127.0.0.1:7001' }, now: () => CLOCK, log: silentLog });
    await book.admit(book.proposedSelf());
    [runs, decommissioned, isReady] = [[], 0, true];
    const router = new Router();
    addMemberRoutes(router, {
      book,
      readiness: { assertReady: () => { if (!isReady) throw new TallyError(503, 'not_ready', 'recovering'); } },
      decommissioner: { run: async (timeoutMs) => (runs.push(timeoutMs), { id: 's1', decommissioned: true, pushedTo: [] }) },
      decommissionTimeoutMs: 1234,
      onDecommissioned: () => void decommissioned++,
    });
    server = await startKoa((app) => app.use(router.routes()));
  });
  afterEach(() => server.close());

  const post = (path: string, body: unknown) => http.post(`${server.url}${path}`, { body: JSON.stringify(body) });
  const errorOf = (body: string): { code: string; message: string } => JSON.parse(body).error;

  it('GET /members shows each member, having heard from this server just now', async () => {
    const views = JSON.parse((await http.get(`${server.url}/members`)).body);
    expect(views).to.deep.equal([{ id: 's1', url: 'http://127.0.0.1:7001', state: 'active', epoch: views[0].epoch, lastContact: new Date(CLOCK).toISOString() }]);
  });

  it('POST /internal/members merges the sender\'s set and answers ours', async () => {
    const res = await post('/internal/members', { from: 's2', members: [member('s2')] });
    const answer = JSON.parse(res.body);
    expect(answer.from).to.equal('s1');
    expect(answer.members.map((m: Member) => m.id)).to.deep.equal(['s1', 's2']);
    expect(book.set.get('s2')?.lastContactAt).to.equal(CLOCK);
  });

  it('refuses a malformed member set with 400 bad_members, changing nothing', async () => {
    const res = await post('/internal/members', { from: 's2', members: [{ id: 's2' }] });
    expect(res.statusCode).to.equal(400);
    expect(errorOf(res.body).code).to.equal('bad_members');
    expect(book.set.has('s2')).to.equal(false);
  });

  it('POST /internal/join persists the joiner before answering', async () => {
    const res = await post('/internal/join', { member: member('s3') });
    expect(res.statusCode).to.equal(200);
    expect(book.set.get('s3')?.state).to.equal('active');
  });

  it('refuses a join under an id decommissioned in the same epoch or later (409)', async () => {
    await book.merge(new Map([['s3', member('s3', { state: 'decommissioned', epoch: 2 })]]));
    const res = await post('/internal/join', { member: member('s3', { epoch: 2 }) });
    expect(res.statusCode).to.equal(409);
    expect(errorOf(res.body)).to.deep.equal({ code: 'decommissioned', message: "server id 's3' was decommissioned in epoch 2; it can come back only as a new member with a higher epoch, got 2" });
    expect((await post('/internal/join', { member: member('s3', { epoch: 3 }) })).statusCode).to.equal(200);
  });

  it('refuses a join announced to a decommissioned server (503)', async () => {
    await book.decommission('s1');
    const res = await post('/internal/join', { member: member('s3') });
    expect([res.statusCode, errorOf(res.body).code]).to.deep.equal([503, 'not_member']);
    expect(book.set.has('s3')).to.equal(false);
  });

  it('POST /internal/decommission runs with the configured timeout and calls back once answered', async () => {
    const res = await http.post(`${server.url}/internal/decommission`);
    expect(JSON.parse(res.body)).to.deep.equal({ id: 's1', decommissioned: true, pushedTo: [] });
    expect(runs).to.deep.equal([1234]);
    for (let i = 0; i < 50 && decommissioned === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(decommissioned).to.equal(1);
  });

  it('does not start a decommission on a server that is not ready', async () => {
    isReady = false;
    expect((await http.post(`${server.url}/internal/decommission`)).statusCode).to.equal(503);
    expect(runs).to.deep.equal([]);
  });

  it('POST /internal/members/:id/decommission marks a member, 404 for an unknown one, 400 for a bad id', async () => {
    await post('/internal/members', { from: 's2', members: [member('s2')] });
    expect((await http.post(`${server.url}/internal/members/s2/decommission`)).statusCode).to.equal(200);
    expect(book.set.get('s2')?.state).to.equal('decommissioned');
    const unknown = await http.post(`${server.url}/internal/members/s9/decommission`);
    expect(errorOf(unknown.body)).to.deep.equal({ code: 'unknown_member', message: "no member with id 's9' in this server's member set" });
    expect((await http.post(`${server.url}/internal/members/bad:id/decommission`)).statusCode).to.equal(400);
  });
});
