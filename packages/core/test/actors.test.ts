import { expect } from 'chai';
import { TallyError } from '../src/errors.js';
import { actorUrl, parseActors } from '../src/actors.js';

const rejection = (body: unknown): TallyError => {
  try {
    parseActors(body, 7001);
  } catch (err) {
    return err as TallyError;
  }
  throw new Error(`${JSON.stringify(body)} was accepted`);
};

describe('actorUrl()', () => {
  it('takes URLs, host:port and bare hosts, the last on this server\'s port', () => {
    expect(actorUrl('http://127.0.0.1:7002/', 7001)).to.equal('http://127.0.0.1:7002');
    expect(actorUrl('HTTP://Example.test:80', 7001)).to.equal('http://example.test');
    expect(actorUrl('127.0.0.1:7003', 7001)).to.equal('http://127.0.0.1:7003');
    expect(actorUrl('172.17.0.2', 7777)).to.equal('http://172.17.0.2:7777');
    expect(actorUrl('counter1', 7777)).to.equal('http://counter1:7777');
    expect(actorUrl('[::1]:7004', 7001)).to.equal('http://[::1]:7004');
  });

  it('refuses paths, credentials, bad ports and spaces', () => {
    for (const bad of ['http://a/x', 'http://u:p@a:1', 'a:0', 'a:70000', 'a b', '', 'ftp://a', ':7001', 'a:b:c']) {
      expect(actorUrl(bad, 7001), bad).to.equal(undefined);
    }
  });
});

describe('parseActors()', () => {
  it('returns each actor as a URL, once, in order', () => {
    expect(parseActors({ actors: ['127.0.0.1:7002', 'http://127.0.0.1:7002', 'h'] }, 7001)).to.deep.equal(['http://127.0.0.1:7002', 'http://h:7001']);
    expect(parseActors({ actors: [] }, 7001)).to.deep.equal([]);
  });

  it('refuses a bad list whole, naming the index, the rule and the value', () => {
    const err = rejection({ actors: ['127.0.0.1:7002', 'bad host'] });
    expect([err.status, err.code]).to.deep.equal([400, 'bad_actors']);
    expect(err.message).to.include('actors[1]').and.include('host:port').and.include("'bad host'");
    expect(rejection({ actors: [7] }).message).to.include('actors[0]');
  });

  it('refuses bodies without an actors array', () => {
    expect(rejection(['a']).message).to.include('{"actors"');
    expect(rejection({ peers: [] }).message).to.include('{"actors"');
    expect(rejection({ actors: 'a,b' }).message).to.include('must be an array');
    expect(rejection({ actors: Array.from({ length: 101 }, (_, i) => `h${i}`) }).message).to.include('at most 100');
  });
});
