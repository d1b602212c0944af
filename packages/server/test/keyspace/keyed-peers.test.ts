import { expect } from 'chai';
import type { Got } from 'got';
import { itemType } from '../../src/items/item-type.js';
import { createKeyedPeerClient, keyedPaths } from '../../src/keyspace/keyed-peers.js';

/** A stand-in for got that records each call and answers what the test queued. */
function fakeHttp(answers: Array<{ statusCode: number; body: string }>) {
  const calls: Array<{ method: string; url: string; options: Record<string, unknown> }> = [];
  const answer = async (method: string, url: string, options: Record<string, unknown>) => {
    calls.push({ method, url, options });
    return answers.shift() ?? { statusCode: 500, body: '' };
  };
  const http = { get: (url: string, options: Record<string, unknown>) => answer('GET', url, options), post: (url: string, options: Record<string, unknown>) => answer('POST', url, options) };
  return { http: http as unknown as Got, calls };
}

describe('keyedPaths()', () => {
  it('keeps digest and leaves beside the key routes, where no key can take their names', () => {
    const paths = keyedPaths('items');
    expect([paths.frames, paths.key('a b'), paths.digest, paths.leaves]).to.deep.equal(['/internal/items', '/internal/items/a%20b', '/internal/items-digest', '/internal/items-leaves']);
  });
});

describe('createKeyedPeerClient()', () => {
  it('validates answers with the type\'s schemas, sends timeouts, and answers undefined for a non-200', async () => {
    const { http, calls } = fakeHttp([
      { statusCode: 200, body: JSON.stringify({ boot: 'b', added: 1 }) },
      { statusCode: 200, body: JSON.stringify({ from: 'p', boot: 'b', ids: ['x'] }) },
      { statusCode: 503, body: '{}' },
      { statusCode: 200, body: JSON.stringify({ from: 'p', boot: 'b', items: [['bad tenant!', ['x']]], next: null }) },
    ]);
    const client = createKeyedPeerClient(http, itemType);
    expect(await client.push('http://p', { from: 's1', boot: 'me', items: [['t', ['x']]] }, 50)).to.deep.equal({ boot: 'b', added: 1 });
    expect((await client.pullTenant('http://p', 't', 50))?.ids).to.deep.equal(['x']);
    expect(await client.journalPage('http://p', 0, 10, 50)).to.equal(undefined);
    let error: unknown;
    await client.leavesPage('http://p', [1, 2], 0, 50).catch((err: unknown) => (error = err));
    expect(String(error)).to.match(/tenant/);
    expect(calls.map((c) => `${c.method} ${c.url}`)).to.deep.equal(['POST http://p/internal/items', 'GET http://p/internal/items/t', 'GET http://p/internal/items', 'GET http://p/internal/items-leaves']);
    expect(calls.every((c) => (c.options.timeout as { request: number }).request === 50)).to.equal(true);
    expect(calls[3]?.options.searchParams).to.deep.equal({ ids: '1,2', cursor: 0 });
  });
});
