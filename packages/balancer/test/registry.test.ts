import { expect } from 'chai';
import fc from 'fast-check';
import { Registry } from '../src/registry.js';

const SEED = 20261122;

function fixture(suspectAfter = 3, removeAfter = 5): { registry: Registry; clock: { t: number } } {
  const clock = { t: 1000 };
  return { registry: new Registry({ suspectAfter, removeAfter, now: () => clock.t }), clock };
}

const fail = (registry: Registry, id: string, times: number): void => {
  for (let i = 0; i < times; i += 1) registry.recordCheck(id, false);
};

describe('Registry', () => {
  it('rejects removeAfter below suspectAfter', () => {
    expect(() => new Registry({ suspectAfter: 3, removeAfter: 2, now: Date.now })).to.throw(RangeError, /removeAfter=2/);
  });
});

describe('Registry#register()', () => {
  it('adds a new server as ready', () => {
    const { registry } = fixture();
    const t = registry.register('a', 'http://127.0.0.1:7001');
    expect(t).to.include({ id: 'a', from: 'absent', to: 'ready' });
    expect(registry.get('a')).to.deep.equal({ id: 'a', url: 'http://127.0.0.1:7001', status: 'ready' });
  });

  it('refreshes an existing server: new url, failures reset, ready again', () => {
    const { registry } = fixture();
    registry.register('a', 'http://127.0.0.1:7001');
    fail(registry, 'a', 4);
    expect(registry.get('a')?.status).to.equal('suspect');
    const t = registry.register('a', 'http://127.0.0.1:7009');
    expect(t).to.include({ from: 'suspect', to: 'ready', failures: 4 });
    expect(registry.get('a')).to.deep.equal({ id: 'a', url: 'http://127.0.0.1:7009', status: 'ready' });
    fail(registry, 'a', 1);
    expect(registry.get('a')?.status, 'failures restart from 0').to.equal('failing');
  });
});

describe('Registry#recordCheck()', () => {
  it('moves ready -> failing -> suspect -> removed as consecutive failures grow', () => {
    const { registry } = fixture(3, 5);
    registry.register('a', 'http://a');
    const seen = [1, 2, 3, 4, 5].map(() => registry.recordCheck('a', false)?.to);
    expect(seen).to.deep.equal(['failing', 'failing', 'suspect', 'suspect', 'removed']);
    expect(registry.get('a')).to.equal(undefined);
    expect(registry.list()).to.deep.equal([]);
  });

  it('brings a removed server back when it registers again', () => {
    const { registry } = fixture(1, 1);
    registry.register('a', 'http://a');
    expect(registry.recordCheck('a', false)?.to).to.equal('removed');
    expect(registry.register('a', 'http://a').from).to.equal('absent');
    expect(registry.candidates().map((s) => s.id)).to.deep.equal(['a']);
  });

  it('resets a failing or suspect server to ready on a passed check', () => {
    const { registry } = fixture(2, 10);
    registry.register('a', 'http://a');
    fail(registry, 'a', 3);
    expect(registry.recordCheck('a', true)).to.include({ from: 'suspect', to: 'ready', failures: 0 });
  });

  it('reports how long the server has gone without a passed check, by the injected clock', () => {
    const { registry, clock } = fixture();
    registry.register('a', 'http://a');
    clock.t += 250;
    expect(registry.recordCheck('a', false)?.sinceOkMs).to.equal(250);
    clock.t += 100;
    expect(registry.recordCheck('a', false)?.sinceOkMs).to.equal(350);
  });

  it('ignores unknown servers and checks of a url the server has since left', () => {
    const { registry } = fixture(1, 5);
    expect(registry.recordCheck('ghost', false)).to.equal(undefined);
    registry.register('a', 'http://old');
    registry.register('a', 'http://new');
    expect(registry.recordCheck('a', false, 'http://old')).to.equal(undefined);
    expect(registry.get('a')?.status).to.equal('ready');
    expect(registry.recordCheck('a', false, 'http://new')?.to).to.equal('suspect');
  });

  it('keeps status a function of the trailing run of failures (model check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 4 }),
        fc.array(fc.boolean(), { maxLength: 40 }),
        (suspectAfter, extra, checks) => {
          const removeAfter = suspectAfter + extra;
          const registry = new Registry({ suspectAfter, removeAfter, now: () => 0 });
          registry.register('a', 'http://a');
          let run = 0;
          for (const isOk of checks) {
            registry.recordCheck('a', isOk);
            run = isOk ? 0 : run + 1;
            if (run >= removeAfter) break;
          }
          const expected = run >= removeAfter ? undefined : run === 0 ? 'ready' : run < suspectAfter ? 'failing' : 'suspect';
          expect(registry.get('a')?.status).to.equal(expected);
        },
      ),
      { seed: SEED },
    );
  });
});

describe('Registry#list()', () => {
  it('sorts by id in code-unit order', () => {
    const { registry } = fixture();
    for (const id of ['b', 'a10', 'A', 'a2']) registry.register(id, `http://${id}`);
    expect(registry.list().map((s) => s.id)).to.deep.equal(['A', 'a10', 'a2', 'b']);
  });
});

describe('Registry#candidates()', () => {
  it('hands out ready and failing servers but not suspect ones', () => {
    const { registry } = fixture(2, 5);
    for (const id of ['r', 'f', 's']) registry.register(id, `http://${id}`);
    fail(registry, 'f', 1);
    fail(registry, 's', 2);
    expect(registry.candidates().map((s) => [s.id, s.status])).to.deep.equal([['f', 'failing'], ['r', 'ready']]);
    expect(registry.countByStatus()).to.deep.equal({ ready: 1, failing: 1, suspect: 1 });
  });
});
