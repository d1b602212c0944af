import { expect } from 'chai';
import Koa from 'koa';
import { MAX_BODY_BYTES, clientIdOf, describeIssues, excludedIds, queryParam, readJsonBody } from '../src/request.js';
import { errorHandler } from '../src/error-handler.js';
import { http, silentLog } from './helpers/http.js';
import { startKoa, type KoaServer } from './helpers/koa.js';

describe('request readers, over HTTP', () => {
  let server: KoaServer;
  before(async () => {
    server = await startKoa((app: Koa) => {
      app.use(errorHandler(silentLog()));
      app.use(async (ctx) => {
        if (ctx.path === '/body') ctx.body = { body: await readJsonBody(ctx, 64) };
        else ctx.body = { client: clientIdOf(ctx), exclude: [...excludedIds(ctx)], q: queryParam(ctx, 'q') ?? null };
      });
    });
  });
  after(() => server.close());
  const get = async (path: string, headers: Record<string, string> = {}) => JSON.parse((await http.get(`${server.url}${path}`, { headers })).body);

  it('readJsonBody() parses JSON, 400 for other text, 413 past the limit', async () => {
    expect(JSON.parse((await http.post(`${server.url}/body`, { body: '{"a":1}' })).body)).to.deep.equal({ body: { a: 1 } });
    expect((await http.post(`${server.url}/body`, { body: 'nope' })).statusCode).to.equal(400);
    expect((await http.post(`${server.url}/body`, { body: `"${'x'.repeat(100)}"` })).statusCode).to.equal(413);
    expect(MAX_BODY_BYTES).to.equal(16 * 1024);
  });

  it('clientIdOf() prefers ?client=, then Tally-Client, then the IP', async () => {
    expect((await get('/?client=c1', { 'tally-client': 'h1' })).client).to.equal('c1');
    expect((await get('/', { 'tally-client': 'h1' })).client).to.equal('h1');
    expect((await get('/')).client).to.match(/127\.0\.0\.1$/);
  });

  it('excludedIds() splits, trims and drops empties', async () => {
    expect((await get('/?exclude=s1,%20s2,,')).exclude).to.deep.equal(['s1', 's2']);
    expect((await get('/')).exclude).to.deep.equal([]);
  });

  it('queryParam() reads an empty value as absent and refuses a repeated one', async () => {
    expect((await get('/?q=')).q).to.equal(null);
    const res = await http.get(`${server.url}/?q=1&q=2`);
    expect(JSON.parse(res.body)).to.deep.equal({ error: { code: 'bad_query', message: "query parameter 'q' must be given at most once, got 2 values" } });
  });
});

describe('describeIssues()', () => {
  it('joins issues with where they are and the value found there', () => {
    const input = { url: 'x', nested: { id: '-' } };
    const issues = [{ path: ['url'], message: 'Invalid URL' }, { path: ['nested', 'id'], message: 'not a valid server id' }];
    expect(describeIssues(issues, input)).to.equal("url: Invalid URL, got 'x'; nested.id: not a valid server id, got '-'");
  });

  it('gives a root issue its message only, and no value for a missing field', () => {
    expect(describeIssues([{ path: [], message: 'Expected object' }, { path: ['id'], message: 'Required' }], 5)).to.equal('Expected object; id: Required');
  });
});
