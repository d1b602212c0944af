import { expect } from 'chai';
import { TallyError } from '@tally/core';
import { counterSlots, listCounters, parseLimit, type ViewDeps } from '../../src/dashboard/counter-views.js';
import { Registry } from '../../src/registry.js';
import { FakeCalls } from '../helpers/fake-calls.js';

function setUp(ids = ['s1', 's2', 's3']): { deps: ViewDeps; calls: FakeCalls } {
  const registry = new Registry({ suspectAfter: 1, removeAfter: 5, now: Date.now });
  for (const id of ids) registry.register(id, `http://${id}.test`);
  const calls = new FakeCalls();
  return { deps: { registry, callServer: calls.call, timeoutMs: 100 }, calls };
}

async function rejection(promise: Promise<unknown>): Promise<TallyError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof TallyError) return err;
    throw err;
  }
  throw new Error('expected a TallyError');
}

describe('listCounters()', () => {
  it('lists the union of every server page, sorted, each value from the first server that has it', async () => {
    const { deps, calls } = setUp();
    calls.answer('http://s1.test/counters?values=true&limit=3&prefix=a', { counters: [{ name: 'a2', value: '5' }], next: null });
    calls.answer('http://s2.test/counters?values=true&limit=3&prefix=a', { counters: [{ name: 'a1', value: '1' }, { name: 'a2', value: '4' }], next: null });
    const list = await listCounters(deps, 'a', 3);
    expect(list).to.deep.equal({
      counters: [{ name: 'a1', value: '1' }, { name: 'a2', value: '5' }],
      isTruncated: false,
      servers: ['s1', 's2'],
      missing: ['s3'],
    });
  });

  it('says when more names match than the limit', async () => {
    const { deps, calls } = setUp(['s1', 's2']);
    calls.answer('http://s1.test/counters?values=true&limit=1', { counters: [{ name: 'b', value: '1' }], next: 'c1' });
    calls.answer('http://s2.test/counters?values=true&limit=1', { counters: [{ name: 'a', value: '2' }], next: null });
    const list = await listCounters(deps, '', 1);
    expect(list.counters).to.deep.equal([{ name: 'a', value: '2' }]);
    expect(list.isTruncated).to.equal(true);
  });

  it('encodes the prefix and passes on a server 400 with its message', async () => {
    const { deps, calls } = setUp(['s1']);
    calls.answer('http://s1.test/counters?values=true&limit=5&prefix=%2F%3F', { error: { code: 'bad_prefix', message: "prefix must ..., got '/?'" } }, 400);
    const err = await rejection(listCounters(deps, '/?', 5));
    expect([err.status, err.code, err.message]).to.deep.equal([400, 'bad_prefix', "prefix must ..., got '/?'"]);
  });

  it('answers 503 naming the servers when none answers, and does not pass on their 401', async () => {
    const { deps, calls } = setUp(['s1', 's2']);
    calls.answer('http://s1.test/counters?values=true&limit=5', { error: { code: 'unauthorized' } }, 401);
    const err = await rejection(listCounters(deps, '', 5));
    expect([err.status, err.code]).to.deep.equal([503, 'servers_unavailable']);
    expect(err.message).to.include('s1, s2');
  });

  it('answers 503 when no server may be asked', async () => {
    const { deps } = setUp([]);
    expect((await rejection(listCounters(deps, '', 5))).code).to.equal('no_servers');
  });
});

describe('counterSlots()', () => {
  it('merges the servers breakdowns by per-slot maximum and sums the value', async () => {
    const { deps, calls } = setUp(['s1', 's2']);
    const slot = (s: string, inc: number, p: string, n: string) => ({ slot: `${s}:${inc}`, server: s, incarnation: inc, p, n, value: `${BigInt(p) - BigInt(n)}` });
    calls.answer('http://s1.test/counter/x/slots', [slot('s1', 5, '10', '0'), slot('s2', 7, '3', '1')]);
    calls.answer('http://s2.test/counter/x/slots', [slot('s1', 5, '8', '0'), slot('s2', 7, '4', '1'), slot('s2', 9, '0', '2')]);
    const view = await counterSlots(deps, 'x');
    expect(view.value).to.equal('11');
    expect(view.slots).to.deep.equal([slot('s1', 5, '10', '0'), slot('s2', 7, '4', '1'), slot('s2', 9, '0', '2')]);
    expect(view.servers).to.deep.equal(['s1', 's2']);
  });

  it('answers an empty breakdown of value 0 for a counter never written', async () => {
    const { deps, calls } = setUp(['s1']);
    calls.answer('http://s1.test/counter/fresh/slots', []);
    expect(await counterSlots(deps, 'fresh')).to.deep.equal({ name: 'fresh', value: '0', slots: [], servers: ['s1'], missing: [] });
  });

  it('answers 400 naming the rule for a bad counter name, before asking any server', async () => {
    const { deps, calls } = setUp(['s1']);
    const err = await rejection(counterSlots(deps, '../x'));
    expect(err.status).to.equal(400);
    expect(err.message).to.include("got '../x'");
    expect(calls.calls).to.deep.equal([]);
  });
});

describe('parseLimit()', () => {
  it('defaults to 100 and accepts 1..1000', () => {
    expect([parseLimit(undefined), parseLimit('1'), parseLimit('1000')]).to.deep.equal([100, 1, 1000]);
  });

  it('rejects anything else with a message that names the value', () => {
    for (const bad of ['0', '1001', '1.5', '-1', 'ten']) expect(() => parseLimit(bad), bad).to.throw(`got '${bad}'`);
  });
});
