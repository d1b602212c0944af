import { expect } from 'chai';
import { MAX_ITEMS_PER_REQUEST, encodeItemToken, type Assignment } from '@tally/core';
import { TallyClientError, TimeoutLevelError } from '../src/errors.js';
import { Failover } from '../src/failover.js';
import type { HttpCaller, HttpOutcome, HttpRequest } from '../src/http-call.js';
import { ItemClient } from '../src/item-client.js';
import type { ServerPicker } from '../src/server-picker.js';

const SERVERS = ['s1', 's2'];
const tokenOf = (server: string, index: number): string => encodeItemToken({ tenant: 't1', server, boot: 'b', index });
const json = (status: number, body: unknown, headers: Record<string, string> = {}): HttpOutcome => ({ kind: 'answer', status, headers, body, text: JSON.stringify(body) });

/** An ItemClient over a real Failover, a picker of s1 then s2, and an HttpCaller answering per server. */
function client(answer: (server: string, request: HttpRequest) => HttpOutcome) {
  const requests: Array<{ server: string; request: HttpRequest }> = [];
  const picker = {
    canMove: true,
    pick: async (excluded: readonly string[]): Promise<Assignment> => {
      const id = SERVERS.find((s) => !excluded.includes(s));
      if (id === undefined) throw new TallyClientError('no_servers', 'none left', 503);
      return { id, url: `http://${id}.test` };
    },
    drop: () => undefined,
  } as unknown as ServerPicker;
  const http = {
    call: async (request: HttpRequest) => {
      const server = new URL(request.url).hostname.split('.')[0] as string;
      requests.push({ server, request });
      return answer(server, request);
    },
  } as unknown as HttpCaller;
  const failover = new Failover({ picker, retries: 2, retryDelayMs: 1, deadlineMs: 2000, levelTimeoutMs: 3000 });
  return { items: new ItemClient({ http, failover, timeoutMs: 500, levelTimeoutMs: 1500 }), requests };
}
const rejection = (promise: Promise<unknown>): Promise<TallyClientError> => promise.then(() => expect.fail('no error'), (err: TallyClientError) => err);

describe('ItemClient#add()', () => {
  it('posts {id, tenant} objects and reads what was added', async () => {
    const { items, requests } = client(() => json(200, { status: 'success', added: 2, duplicates: 1 }));
    expect(await items.add('t1', ['a', 'b', 'c'], { wait: 'quorum' })).to.deep.equal({ tenant: 't1', added: 2, duplicates: 1, server: { id: 's1', url: 'http://s1.test' } });
    const { request } = requests[0]!;
    expect([request.method, request.url, request.timeoutMs]).to.deep.equal(['POST', 'http://s1.test/items?wait=quorum', 1500]);
    expect(JSON.parse(request.body ?? '')).to.deep.equal([{ id: 'a', tenant: 't1' }, { id: 'b', tenant: 't1' }, { id: 'c', tenant: 't1' }]);
  });

  it('refuses a bad tenant, a bad id (naming its index) and too many ids, before sending', async () => {
    const { items, requests } = client(() => json(200, {}));
    expect(() => items.add('bad tenant', ['a'])).to.throw(TallyClientError, /got 'bad tenant'/);
    expect(() => items.add('t1', ['a', ''])).to.throw(TallyClientError, /^id \[1\]: /);
    expect(() => items.add('t1', Array.from({ length: MAX_ITEMS_PER_REQUEST + 1 }, (_, i) => `i${i}`))).to.throw(TallyClientError, /at most/);
    expect(requests).to.have.length(0);
  });

  it('sends an add again on another server after a 503 or no answer: ids cannot count twice', async () => {
    const { items, requests } = client((server) => (server === 's1' ? { kind: 'unknown', reason: 'no answer within 500ms' } : json(200, { added: 1, duplicates: 0 })));
    expect((await items.add('t1', ['a'])).server.id).to.equal('s2');
    expect(requests.map((r) => r.server)).to.deep.equal(['s1', 's2']);
  });

  it('throws a 408 as a TimeoutLevelError saying the ids are added', async () => {
    const { items } = client(() => json(408, { error: { code: 'timeout', message: 'only 1 of 2 servers hold them', acks: 1, required: 2 } }));
    const err = await rejection(items.add('t1', ['a'], { wait: '2' }));
    expect(err).to.be.instanceOf(TimeoutLevelError);
    expect([(err as TimeoutLevelError).applied, (err as TimeoutLevelError).required]).to.deep.equal([true, 2]);
  });

  it('passes on a 400 as is, without trying another server', async () => {
    const { items, requests } = client(() => json(400, { error: { code: 'bad_items', message: 'item [0]' } }));
    const err = await rejection(items.add('t1', ['a']));
    expect([err.code, err.status]).to.deep.equal(['bad_items', 400]);
    expect(requests).to.have.length(1);
  });
});

describe('ItemClient#count()', () => {
  it('reads the count, sending back the newest token of each server it heard from', async () => {
    let index = 0;
    const { items, requests } = client((server, request) =>
      request.method === 'POST' ? json(200, { added: 1, duplicates: 0 }, { 'tally-token': tokenOf(server, ++index) }) : json(200, { count: 3 }));
    await items.add('t1', ['a']);
    await items.add('t1', ['b']);
    expect((await items.count('t1', { consistency: 'all' })).count).to.equal(3);
    const read = requests.at(-1)!.request;
    expect(read.url).to.equal('http://s1.test/items/t1/count?consistency=all');
    expect(read.headers?.['tally-token']).to.equal(tokenOf('s1', 2));
  });

  it('ignores a token it cannot decode and keeps the one it had', async () => {
    let isFirst = true;
    const { items, requests } = client((server, request) => {
      if (request.method === 'GET') return json(200, { count: 1 });
      const token = isFirst ? tokenOf(server, 1) : 'garbage';
      isFirst = false;
      return json(200, { added: 1, duplicates: 0 }, { 'tally-token': token });
    });
    await items.add('t1', ['a']);
    await items.add('t1', ['b']);
    await items.count('t1');
    expect(requests.at(-1)!.request.headers?.['tally-token']).to.equal(tokenOf('s1', 1));
  });

  it('refuses an answer without a numeric count', async () => {
    const { items } = client(() => json(200, { count: '3' }));
    expect((await rejection(items.count('t1'))).code).to.equal('bad_answer');
  });
});
