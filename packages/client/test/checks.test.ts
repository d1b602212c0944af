import { expect } from 'chai';
import { checkAmount, checkCount, checkLevel, checkName, normalizeUrl } from '../src/checks.js';
import { refusal } from './helpers/refusal.js';

describe('checkName()', () => {
  it('passes a valid name and refuses another, quoting it', () => {
    expect(refusal(() => checkName('hits'))).to.equal('no error');
    expect(refusal(() => checkName('a b'))).to.match(/^bad_counter_name: counter name must be .*, got 'a b'$/);
  });
});

describe('checkAmount()', () => {
  it('passes non-zero amounts up to 2^63-1 either way', () => {
    for (const amount of [1n, -1n, (1n << 63n) - 1n, -((1n << 63n) - 1n)]) expect(refusal(() => checkAmount(amount))).to.equal('no error');
  });

  it('refuses 0 and anything beyond 2^63-1', () => {
    expect(refusal(() => checkAmount(0n))).to.equal("bad_amount: amount must be a non-zero integer of at most 2^63-1 in absolute value, got '0'");
    expect(refusal(() => checkAmount(1n << 63n))).to.match(/^bad_amount: .*got '9223372036854775808'$/);
    expect(refusal(() => checkAmount(-(1n << 63n)))).to.match(/^bad_amount/);
  });
});

describe('checkLevel()', () => {
  it('passes undefined, names and numbers, as text', () => {
    expect(checkLevel(undefined, 'wait')).to.equal(undefined);
    expect(checkLevel('quorum', 'wait')).to.equal('quorum');
    expect(checkLevel(2, 'consistency')).to.equal('2');
  });

  it('names what the level is for and what it may be', () => {
    expect(refusal(() => checkLevel('most', 'wait'))).to.equal("bad_wait: wait must be quorum, all or a number of servers, got 'most'");
    expect(refusal(() => checkLevel(0, 'consistency'))).to.equal("bad_consistency: consistency must be local, quorum, all or a number of servers, got '0'");
  });
});

describe('checkCount()', () => {
  it('passes a safe integer at or above the minimum', () => {
    expect(checkCount(3, 'retries', 0)).to.equal(3);
  });

  it('refuses fractions and values below the minimum', () => {
    expect(refusal(() => checkCount(1.5, 'retries', 0))).to.equal('bad_option: retries must be an integer of at least 0, got 1.5');
    expect(refusal(() => checkCount(0, 'limit', 1))).to.equal('bad_option: limit must be an integer of at least 1, got 0');
  });
});

describe('normalizeUrl()', () => {
  it('adds http:// to host:port and drops trailing slashes', () => {
    expect(normalizeUrl('localhost:7000', 'balancer')).to.equal('http://localhost:7000');
    expect(normalizeUrl('https://example.test:8443//', 'server')).to.equal('https://example.test:8443');
  });

  it('refuses other schemes and what is not a URL, naming the option', () => {
    expect(refusal(() => normalizeUrl('ftp://x', 'balancer'))).to.equal("bad_url: balancer must be host:port or an http:// or https:// URL, got 'ftp://x'");
    expect(refusal(() => normalizeUrl('http://[bad', 'server'))).to.match(/^bad_url: server must be/);
  });
});
