import Router from '@koa/router';
import { expect } from 'chai';
import Koa from 'koa';
import { TallyError } from '@tally/core';
import { errorHandler } from '../src/error-handler.js';
import { capturingLog, http } from './helpers/http.js';
import { startKoa, type KoaServer } from './helpers/koa.js';

describe('errorHandler()', () => {
  let server: KoaServer;
  const captured = capturingLog();
  const observed: string[] = [];
  before(async () => {
    const router = new Router();
    router.get('/tally', () => {
      throw new TallyError(409, 'conflict', 'taken', { id: 's1' });
    });
    router.get('/boom', () => {
      throw new Error('secret detail');
    });
    router.get('/teapot', (ctx) => void (ctx.status = 418));
    server = await startKoa((app: Koa) => {
      app.use(errorHandler(captured.log, (ctx) => observed.push(`${ctx.method} ${ctx.path} ${ctx.status}`)));
      app.use(router.routes());
      app.use(router.allowedMethods());
    });
  });
  after(() => server.close());
  const call = async (method: string, path: string) => {
    const res = await http(`${server.url}${path}`, { method: method as 'GET' });
    return { status: res.statusCode, body: res.body === '' ? undefined : JSON.parse(res.body) };
  };

  it('renders a TallyError with its details', async () => {
    expect(await call('GET', '/tally')).to.deep.equal({ status: 409, body: { error: { code: 'conflict', message: 'taken', id: 's1' } } });
  });

  it('hides an internal error and logs it whole', async () => {
    expect(await call('GET', '/boom')).to.deep.equal({ status: 500, body: { error: { code: 'internal', message: 'internal error' } } });
    expect(captured.lines.some((l) => (l.err as { message?: string } | undefined)?.message === 'secret detail')).to.equal(true);
  });

  it('gives an unknown route a 404 body', async () => {
    expect(await call('GET', '/nowhere')).to.deep.equal({ status: 404, body: { error: { code: 'not_found', message: 'no route for GET /nowhere' } } });
  });

  it('gives a wrong method a 405 naming the allowed ones', async () => {
    const { status, body } = await call('POST', '/tally');
    expect(status).to.equal(405);
    expect(body.error).to.deep.equal({ code: 'method_not_allowed', message: 'POST /tally is not allowed; allowed: HEAD, GET' });
  });

  it("turns the router's 501 for an unknown method into a 405", async () => {
    const { status, body } = await call('PROPFIND', '/tally');
    expect([status, body.error.code]).to.deep.equal([405, 'method_not_allowed']);
    expect(body.error.message).to.include('method PROPFIND is not supported');
  });

  it('gives any other bare status a body naming it', async () => {
    expect(await call('GET', '/teapot')).to.deep.equal({ status: 418, body: { error: { code: 'http_418', message: 'GET /teapot failed with status 418' } } });
  });

  it('reports each request with its final status', () => {
    expect(observed).to.include.members(['GET /tally 409', 'GET /boom 500', 'GET /nowhere 404']);
  });
});
