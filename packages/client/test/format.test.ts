import { expect } from 'chai';
import { TimeoutLevelError } from '../src/errors.js';
import { formatIncrement, formatItemsAdd, formatItemsCount, formatLevelTimeout, formatRead, formatUse } from '../src/format.js';

const server = { id: 's1', url: 'http://127.0.0.1:7001' };
const BIG = (1n << 70n) + 3n;

describe('formatIncrement()', () => {
  const result = { name: 'hits', value: BIG, key: 'k1', server, slot: 's1:9', seq: '4' };

  it('is one human line, exact past 2^53', () => {
    expect(formatIncrement(result, false)).to.equal(`hits = ${BIG}`);
  });

  it('is one JSON object with the value as a decimal string and the receipt', () => {
    expect(JSON.parse(formatIncrement(result, true))).to.deep.equal({ name: 'hits', value: BIG.toString(), server: 's1', url: server.url, key: 'k1', slot: 's1:9', seq: '4' });
  });
});

describe('formatRead()', () => {
  it('prints name = value, or JSON with the server', () => {
    expect(formatRead({ name: 'hits', value: -5n, server }, false)).to.equal('hits = -5');
    expect(JSON.parse(formatRead({ name: 'hits', value: -5n, server }, true))).to.deep.equal({ name: 'hits', value: '-5', server: 's1', url: server.url });
  });
});

describe('formatLevelTimeout()', () => {
  const timeout = (value: bigint | undefined) => new TimeoutLevelError('only 1 of 3', { counter: 'hits', server, value, applied: true, acks: 1, required: 3 });

  it('prints nothing without a best value', () => {
    expect(formatLevelTimeout(timeout(undefined), false)).to.equal(undefined);
  });

  it('prints the best value, and in JSON says it timed out and was applied', () => {
    expect(formatLevelTimeout(timeout(7n), false)).to.equal('hits = 7');
    expect(JSON.parse(formatLevelTimeout(timeout(7n), true) as string)).to.deep.equal({ name: 'hits', value: '7', server: 's1', url: server.url, applied: true, timeout: true, acks: 1, required: 3 });
  });
});

describe('formatUse()', () => {
  it('names the server in both forms', () => {
    expect(formatUse(server, false)).to.equal('using s1 (http://127.0.0.1:7001)');
    expect(JSON.parse(formatUse(server, true))).to.deep.equal({ server: 's1', url: server.url });
  });
});

describe('formatItemsAdd() and formatItemsCount()', () => {
  it('print the tenant and the numbers', () => {
    expect(formatItemsAdd({ tenant: 't1', added: 2, duplicates: 1, server }, false)).to.equal('t1: 2 added, 1 duplicates');
    expect(JSON.parse(formatItemsAdd({ tenant: 't1', added: 2, duplicates: 1, server }, true))).to.deep.equal({ tenant: 't1', added: 2, duplicates: 1, server: 's1', url: server.url });
    expect(formatItemsCount({ tenant: 't1', count: 9, server }, false)).to.equal('t1 items = 9');
    expect(JSON.parse(formatItemsCount({ tenant: 't1', count: 9, server }, true))).to.deep.equal({ tenant: 't1', count: 9, server: 's1', url: server.url });
  });
});
