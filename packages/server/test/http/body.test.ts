import { expect } from 'chai';
import { readBody } from '../../src/http/body.js';
import { http, startKoa, type KoaServer } from '../support/koa-server.js';

describe('readBody()', () => {
  let server: KoaServer;
  before(async () => {
    server = await startKoa((app) => app.use(async (ctx) => {
      const text = await readBody(ctx, 16);
      ctx.body = { text, length: text.length };
    }));
  });
  after(() => server.close());

  it('returns the body as UTF-8 text, a byte-order mark kept', async () => {
    const res = await http.post(server.url, { body: '\uFEFF5é' });
    expect(JSON.parse(res.body)).to.deep.equal({ text: '\uFEFF5é', length: 3 });
  });

  it('reads a body at the limit', async () => {
    const res = await http.post(server.url, { body: 'x'.repeat(16) });
    expect(res.statusCode).to.equal(200);
  });

  it('answers 413 body_too_large naming the limit and the declared length', async () => {
    const res = await http.post(server.url, { body: 'x'.repeat(17) });
    expect(res.statusCode).to.equal(413);
    expect(JSON.parse(res.body)).to.deep.equal({ error: { code: 'body_too_large', message: 'request body too large: the limit is 16 bytes, got 17 bytes' } });
  });

  it("says 'more' for a chunked body without a length", async () => {
    const res = await http.post(server.url, { body: (async function* () { yield 'x'.repeat(10); yield 'y'.repeat(10); })() });
    expect(res.statusCode).to.equal(413);
    expect(JSON.parse(res.body).error.message).to.equal('request body too large: the limit is 16 bytes, got more');
  });
});
