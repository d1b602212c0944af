import { expect } from 'chai';
import Koa from 'koa';
import type { AddressInfo } from 'node:net';
import { firstSegment, SegmentRouter } from '../../src/http/segment-router.js';

/** Serves `router` behind a final middleware that marks unrouted requests, and calls it once. */
async function call(router: SegmentRouter, method: string, path: string): Promise<{ status: number; body: string }> {
  const app = new Koa();
  app.use(router.routes());
  app.use((ctx) => {
    ctx.status = 404;
    ctx.body = 'unrouted';
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, signal: AbortSignal.timeout(5000) });
    return { status: res.status, body: await res.text() };
  } finally {
    server.close();
  }
}

function sample(): SegmentRouter {
  const router = new SegmentRouter({ sensitive: true, strict: true });
  router.get('/counter/:name/value', (ctx) => (ctx.body = `value of ${ctx.params.name}`));
  router.post('/counter/:name', (ctx) => (ctx.body = `add to ${ctx.params.name}`));
  router.get('/counters', (ctx) => (ctx.body = 'list'));
  router.get('/ping', (ctx) => (ctx.body = 'pong'));
  return router;
}

describe('firstSegment()', () => {
  it('returns the text between the first two slashes', () => {
    expect(firstSegment('/counter/x/value')).to.equal('counter');
    expect(firstSegment('/counters')).to.equal('counters');
    expect(firstSegment('/')).to.equal('');
    expect(firstSegment('//internal')).to.equal('');
  });
});

describe('SegmentRouter', () => {
  it('routes each request among its first segment\'s routes, with their params', async () => {
    const router = sample();
    expect(await call(router, 'GET', '/counter/a%20b/value')).to.deep.equal({ status: 200, body: 'value of a b' });
    expect(await call(router, 'POST', '/counter/x')).to.deep.equal({ status: 200, body: 'add to x' });
    expect(await call(router, 'GET', '/counters')).to.deep.equal({ status: 200, body: 'list' });
  });

  it('hands unknown segments, wrong methods, other cases and trailing slashes to the next middleware', async () => {
    const router = sample();
    for (const [method, path] of [['GET', '/nothing'], ['POST', '/ping'], ['GET', '/Counter/x/value'], ['GET', '/ping/'], ['GET', '/counter/x/value/']]) {
      expect(await call(router, method!, path!), `${method} ${path}`).to.deep.equal({ status: 404, body: 'unrouted' });
    }
  });

  it('refuses a route whose first segment is not literal', () => {
    const router = new SegmentRouter({});
    expect(() => router.get('/:anything/value', () => undefined)).to.throw(/first segment must be literal/);
    expect(() => router.get('counter', () => undefined)).to.throw(/first segment must be literal/);
  });

  it('lists every route of every segment in its stack', () => {
    expect(sample().stack.map((layer) => layer.path).sort()).to.deep.equal(['/counter/:name', '/counter/:name/value', '/counters', '/ping']);
  });
});
