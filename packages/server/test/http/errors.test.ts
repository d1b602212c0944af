import { expect } from 'chai';
import Koa from 'koa';
import { TallyError } from '@tally/core';
import { errorMiddleware } from '../../src/http/errors.js';
import { recordingLog } from '../support/recording-log.js';
import { http, startKoa, type KoaServer } from '../support/koa-server.js';

describe('errorMiddleware()', () => {
  let server: KoaServer;
  const recorded = recordingLog('error');
  const observed: Array<[string, number]> = [];
  before(async () => {
    server = await startKoa((app: Koa) => {
      app.use(errorMiddleware(recorded.log, (ctx, ms) => observed.push([ctx.path, ctx.status + (ms >= 0 ? 0 : NaN)])));
      app.use(async (ctx, next) => {
        if (ctx.path === '/tally') throw new TallyError(422, 'key_reused', 'used for 1 on a', { value: '3' });
        if (ctx.path === '/boom') throw new Error('disk on fire');
        if (ctx.path === '/not-ready') throw new TallyError(503, 'not_ready', 'recovering');
        if (ctx.path === '/store-failed') throw new TallyError(503, 'store_failed', 'disk');
        if (ctx.path === '/ok') ctx.body = 'ok';
        await next();
      });
    }, false);
  });
  after(() => server.close());

  it('renders a TallyError as {error: {code, message}} with its details', async () => {
    const res = await http.get(`${server.url}/tally`);
    expect(res.statusCode).to.equal(422);
    expect(JSON.parse(res.body)).to.deep.equal({ error: { code: 'key_reused', message: 'used for 1 on a', value: '3' } });
  });

  it('hides a 5xx as "internal error" and logs the whole error', async () => {
    const res = await http.get(`${server.url}/boom`);
    expect(res.statusCode).to.equal(500);
    expect(JSON.parse(res.body)).to.deep.equal({ error: { code: 'internal', message: 'internal error' } });
    const line = recorded.lines.find((l) => l.path === '/boom');
    expect((line?.err as { message?: string } | undefined)?.message).to.equal('disk on fire');
  });

  it('sets Retry-After on not_ready but not on store_failed', async () => {
    expect((await http.get(`${server.url}/not-ready`)).headers['retry-after']).to.equal('1');
    expect((await http.get(`${server.url}/store-failed`)).headers['retry-after']).to.equal(undefined);
  });

  it('answers an unmatched path 404 not_found naming method and path', async () => {
    const res = await http.delete(`${server.url}/nowhere`);
    expect(JSON.parse(res.body)).to.deep.equal({ error: { code: 'not_found', message: 'no route for DELETE /nowhere' } });
  });

  it('answers an unmatched /counter/ path with the name rule (400), decoding it', async () => {
    const res = await http.get(`${server.url}/counter/a%2Fb/value`);
    expect(res.statusCode).to.equal(400);
    expect(JSON.parse(res.body).error.code).to.equal('bad_counter_name');
    expect(JSON.parse(res.body).error.message).to.include("got 'a/b'");
  });

  it('reports every request to the observer with its final status', async () => {
    await http.get(`${server.url}/ok`);
    expect(observed).to.deep.include(['/ok', 200]);
    expect(observed).to.deep.include(['/boom', 500]);
  });
});
