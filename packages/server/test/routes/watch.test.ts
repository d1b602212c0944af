import { expect } from 'chai';
import got from 'got';
import { startServerApp, testConfig, type RunningServer } from '../support/app-server.js';
import { openSse } from '../support/sse.js';

const http = got.extend({ retry: { limit: 0 }, throwHttpErrors: false, timeout: { request: 5000 } });

describe('GET /counter/:name/watch', () => {
  let app: RunningServer;
  beforeEach(async () => (app = await startServerApp(testConfig({ 'publish-interval-ms': '100' }), { maxWatchers: 2 })));
  afterEach(() => app.close());

  it('sends the current value first, then one event per change', async () => {
    await http.post(`${app.url}/counter/x`, { body: '4' });
    const sse = await openSse(`${app.url}/counter/x/watch`);
    expect(sse.status).to.equal(200);
    expect(sse.headers['content-type']).to.equal('text/event-stream; charset=utf-8');
    await sse.waitForEvents(1);
    await http.post(`${app.url}/counter/x`, { body: '3' });
    await sse.waitForEvents(2);
    expect(sse.events).to.deep.equal([
      { event: 'value', data: '{"name":"x","value":"4"}' },
      { event: 'value', data: '{"name":"x","value":"7"}' },
    ]);
    sse.close();
  });

  it('coalesces changes within one publish interval into one event', async () => {
    // A publish interval longer than the test: only the explicit ticks below look for changes.
    const slow = await startServerApp(testConfig({ 'publish-interval-ms': '600000' }));
    try {
      const sse = await openSse(`${slow.url}/counter/y/watch`);
      await sse.waitForEvents(1);
      await Promise.all([1, 2, 3, 4, 5].map(() => http.post(`${slow.url}/counter/y`, { body: '1' })));
      slow.watchers.tick();
      slow.watchers.tick();
      await sse.waitForEvents(2);
      await new Promise((r) => setTimeout(r, 100));
      expect(sse.events.map((e) => JSON.parse(e.data).value)).to.deep.equal(['0', '5']);
      sse.close();
    } finally {
      await slow.close();
    }
  });

  it('answers 503 beyond the watcher limit, and frees a place when a client disconnects', async () => {
    const first = await openSse(`${app.url}/counter/a/watch`);
    const second = await openSse(`${app.url}/counter/b/watch`);
    const refused = await http.get(`${app.url}/counter/c/watch`);
    expect(refused.statusCode).to.equal(503);
    expect(JSON.parse(refused.body).error.code).to.equal('too_many_watchers');
    expect(refused.headers['retry-after']).to.equal('1');
    first.close();
    const deadline = Date.now() + 5000;
    while (app.watchers.size > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(app.watchers.size).to.equal(1);
    const third = await openSse(`${app.url}/counter/c/watch`);
    expect(third.status).to.equal(200);
    second.close();
    third.close();
  });

  it('ends every stream when the hub closes (shutdown)', async () => {
    const sse = await openSse(`${app.url}/counter/z/watch`);
    await sse.waitForEvents(1);
    app.watchers.close();
    await Promise.race([sse.closed, new Promise((_, reject) => setTimeout(() => reject(new Error('stream still open')), 3000))]);
    expect((await http.get(`${app.url}/counter/z/watch`)).statusCode).to.equal(503);
  });

  it('answers 400 for a bad name', async () => {
    expect((await http.get(`${app.url}/counter/${encodeURIComponent('no way')}/watch`)).statusCode).to.equal(400);
  });
});
