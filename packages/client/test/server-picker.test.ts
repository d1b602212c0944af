import { expect } from 'chai';
import { TallyClientError } from '../src/errors.js';
import type { HttpCaller, HttpOutcome, HttpRequest } from '../src/http-call.js';
import { ServerPicker } from '../src/server-picker.js';

const BALANCER = 'http://127.0.0.1:7000';

/** An HttpCaller that answers from `answer` and records each request. */
function fakeHttp(answer: (request: HttpRequest) => HttpOutcome) {
  const requests: HttpRequest[] = [];
  const http = { call: async (request: HttpRequest) => (requests.push(request), answer(request)) } as unknown as HttpCaller;
  return { http, requests };
}
const ok = (status: number, body: unknown): HttpOutcome => ({ kind: 'answer', status, headers: {}, body, text: JSON.stringify(body) });
const assignFrom = (request: HttpRequest): HttpOutcome => {
  const url = new URL(request.url);
  const excluded = (url.searchParams.get('exclude') ?? '').split(',');
  const id = ['s1', 's2', 's3'].find((s) => !excluded.includes(s));
  return id === undefined ? ok(503, { error: { code: 'no_servers', message: 'none' } }) : ok(200, { id, url: `http://127.0.0.1:700${id.slice(1)}/` });
};
const rejection = (promise: Promise<unknown>): Promise<TallyClientError> => promise.then(() => expect.fail('no error'), (err: TallyClientError) => err);

describe('ServerPicker#pick()', () => {
  it('asks the balancer once for this client and keeps the answer', async () => {
    const { http, requests } = fakeHttp(assignFrom);
    const picker = new ServerPicker({ http, clientId: 'me', balancer: '127.0.0.1:7000', server: undefined });
    expect(await picker.pick([])).to.deep.equal({ id: 's1', url: 'http://127.0.0.1:7001' });
    await picker.pick([]);
    expect(requests.map((r) => r.url)).to.deep.equal([`${BALANCER}/assign?client=me`]);
  });

  it('asks again, excluding the failed servers, once the current one is dropped', async () => {
    const { http, requests } = fakeHttp(assignFrom);
    const picker = new ServerPicker({ http, clientId: 'me', balancer: BALANCER, server: undefined });
    const first = await picker.pick([]);
    picker.drop(first);
    expect((await picker.pick(['s1'])).id).to.equal('s2');
    expect(requests[1]?.url).to.equal(`${BALANCER}/assign?client=me&exclude=s1`);
  });

  it('never leaves a server given directly, and never asks the balancer for it', async () => {
    const { http, requests } = fakeHttp(assignFrom);
    const picker = new ServerPicker({ http, clientId: 'me', balancer: undefined, server: '127.0.0.1:7005/' });
    const server = await picker.pick([]);
    expect(server).to.deep.equal({ id: '127.0.0.1:7005', url: 'http://127.0.0.1:7005' });
    picker.drop(server);
    expect(await picker.pick([server.id])).to.deep.equal(server);
    expect([picker.canMove, requests.length]).to.deep.equal([false, 0]);
  });

  it("passes on the balancer's reason when it has no server", async () => {
    const { http } = fakeHttp(() => ok(503, { error: { code: 'no_servers', message: 'no counting server is registered' } }));
    const err = await rejection(new ServerPicker({ http, clientId: 'me', balancer: BALANCER, server: undefined }).pick([]));
    expect([err.code, err.status, err.message]).to.deep.equal(['no_servers', 503, 'the balancer has no server to give: no counting server is registered']);
  });

  it('says when the balancer cannot be reached, or none is configured', async () => {
    const { http } = fakeHttp(() => ({ kind: 'not-sent', reason: 'connect ECONNREFUSED' }));
    const err = await rejection(new ServerPicker({ http, clientId: 'me', balancer: BALANCER, server: undefined }).pick([]));
    expect([err.code, err.message]).to.deep.equal(['balancer_unreachable', `cannot reach the balancer at ${BALANCER}: connect ECONNREFUSED`]);
    const none = await rejection(new ServerPicker({ http, clientId: 'me', balancer: undefined, server: undefined }).pick([]));
    expect(none.code).to.equal('no_balancer');
  });
});

describe('ServerPicker#use() and #unpin()', () => {
  const list = [{ id: 's1', url: 'http://127.0.0.1:7001', status: 'ready' }, { id: 's2', url: 'http://127.0.0.1:7002', status: 'suspect' }];

  it('pins a server from the balancer list until unpinned', async () => {
    const { http } = fakeHttp((request) => (request.url.endsWith('/servers') ? ok(200, list) : assignFrom(request)));
    const picker = new ServerPicker({ http, clientId: 'me', balancer: BALANCER, server: undefined });
    const pinned = await picker.use('s2');
    picker.drop(pinned);
    expect([(await picker.pick(['s2'])).id, picker.canMove]).to.deep.equal(['s2', false]);
    picker.unpin();
    expect([(await picker.pick([])).id, picker.canMove]).to.deep.equal(['s1', true]);
  });

  it('names the known servers when the id is not among them', async () => {
    const { http } = fakeHttp(() => ok(200, list));
    const err = await rejection(new ServerPicker({ http, clientId: 'me', balancer: BALANCER, server: undefined }).use('s9'));
    expect(err.message).to.equal("no server 's9' in the balancer's list (known: s1, s2)");
  });

  it('cannot unpin without a balancer', () => {
    const { http } = fakeHttp(assignFrom);
    expect(() => new ServerPicker({ http, clientId: 'me', balancer: undefined, server: 'x:1' }).unpin()).to.throw(TallyClientError, /no balancer is configured/);
  });
});

describe('ServerPicker#removeServer()', () => {
  it('sends DELETE with the secret, and force as a query parameter', async () => {
    const { http, requests } = fakeHttp(() => ok(200, { id: 's2', decommissioned: true }));
    const picker = new ServerPicker({ http, clientId: 'me', balancer: BALANCER, server: undefined });
    expect(await picker.removeServer('s2', { force: true, secret: 'sh', timeoutMs: 900 })).to.deep.equal({ id: 's2', decommissioned: true });
    expect(requests[0]).to.deep.include({ method: 'DELETE', url: `${BALANCER}/servers/s2?force=true`, timeoutMs: 900 });
    expect(requests[0]?.headers?.authorization).to.equal('Bearer sh');
  });

  it('refuses without a secret before sending anything, and passes on a refusal', async () => {
    const { http, requests } = fakeHttp(() => ok(404, { error: { code: 'unknown_server', message: 'who?' } }));
    const picker = new ServerPicker({ http, clientId: 'me', balancer: BALANCER, server: undefined });
    expect((await rejection(picker.removeServer('s2', { force: false, secret: '', timeoutMs: 900 }))).code).to.equal('no_secret');
    expect(requests).to.have.length(0);
    const err = await rejection(picker.removeServer('s2', { force: false, secret: 'sh', timeoutMs: 900 }));
    expect([err.code, err.status, err.message]).to.deep.equal(['unknown_server', 404, "the balancer did not remove 's2': who?"]);
  });
});
