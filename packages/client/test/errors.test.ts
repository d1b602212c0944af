import { expect } from 'chai';
import { OutcomeUnknownError, TallyClientError, TimeoutLevelError, describeServer } from '../src/errors.js';

const server = { id: 's1', url: 'http://127.0.0.1:7001' };

describe('TimeoutLevelError', () => {
  it('is a 408 TallyClientError that adds the best value and that the write stays applied', () => {
    const err = new TimeoutLevelError('only 1 of 2 servers hold it', { counter: 'hits', server, value: 5n, applied: true, acks: 1, required: 2 });
    expect(err).to.be.instanceOf(TallyClientError);
    expect([err.code, err.status, err.name]).to.deep.equal(['timeout', 408, 'TimeoutLevelError']);
    expect(err.message).to.equal('only 1 of 2 servers hold it; the increment is applied; best value hits = 5');
  });

  it('does not repeat "applied" when the server said it', () => {
    const err = new TimeoutLevelError('the increment is applied, but only 1 of 2', { counter: 'hits', server, value: undefined, applied: true, acks: 1, required: 2 });
    expect(err.message).to.equal('the increment is applied, but only 1 of 2');
  });

  it('withMissing() names the servers, and who said so, in a new error', () => {
    const err = new TimeoutLevelError('only 1 of 3', { counter: 'hits', server, value: undefined, applied: false, acks: 1, required: 3 });
    const fromServer = err.withMissing({ ids: ['s2', 's3'], source: 'server' });
    expect(fromServer.message).to.equal('only 1 of 3; did not answer: s2, s3');
    expect([fromServer.missing, fromServer.missingSource]).to.deep.equal([['s2', 's3'], 'server']);
    expect(err.withMissing({ ids: ['s3'], source: 'balancer' }).message).to.equal('only 1 of 3; not ready at the balancer, so likely the ones missing: s3');
    expect(err.withMissing({ ids: [], source: 'balancer' }).message).to.include('which one was slow is unknown');
    expect(err.missing).to.equal(undefined);
  });
});

describe('OutcomeUnknownError', () => {
  it('says what may or may not be applied, where, with which key, and how to settle it', () => {
    const err = new OutcomeUnknownError({ counter: 'hits', amount: -3n, key: 'k-9', server, attempts: 2, lastReason: 'no answer within 100ms' });
    expect([err.code, err.status]).to.deep.equal(['outcome_unknown', undefined]);
    expect(err.message).to.equal(
      "outcome unknown: adding -3 to 'hits' on server s1 (http://127.0.0.1:7001) with Idempotency-Key k-9 got no answer after 2 attempts (last: no answer within 100ms); it may or may not be applied; retry with the same key on the same server to settle it",
    );
  });
});

describe('describeServer()', () => {
  it('gives the id and URL, or the URL alone when the id is its host:port', () => {
    expect(describeServer(server)).to.equal('s1 (http://127.0.0.1:7001)');
    expect(describeServer({ id: '127.0.0.1:7001', url: 'http://127.0.0.1:7001' })).to.equal('http://127.0.0.1:7001');
  });
});
