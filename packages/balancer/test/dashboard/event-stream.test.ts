import { request } from 'node:http';
import { expect } from 'chai';
import Koa from 'koa';
import { EventStream } from '../../src/dashboard/event-stream.js';
import { startKoa, type KoaServer } from '../helpers/koa.js';

/** Opens the stream and reads until `until` is met by what arrived, or 3 s pass. */
function readStream(url: string, until: (text: string) => boolean): Promise<{ headers: Record<string, unknown>; text: string; isEnded: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      let text = '';
      const done = (isEnded: boolean): void => {
        clearTimeout(timer);
        req.destroy();
        resolve({ headers: res.headers, text, isEnded });
      };
      const timer = setTimeout(() => done(false), 3000);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        if (until(text)) done(false);
      });
      res.on('end', () => done(true));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('EventStream', () => {
  let server: KoaServer;
  let opened: EventStream[];
  let closedCount: number;
  beforeEach(async () => {
    [opened, closedCount] = [[], 0];
    server = await startKoa((app: Koa) => {
      // A browser that leaves mid-stream is what one test does on purpose: no console noise.
      app.silent = true;
      app.use((ctx) => {
        const stream = new EventStream(ctx);
        stream.onClose(() => void closedCount++);
        opened.push(stream);
        if (ctx.path === '/send') {
          stream.send('snapshot', { n: 1 });
          stream.send('value', { name: 'hits', value: '3' });
        }
        if (ctx.path === '/end') {
          stream.send('bye', {});
          stream.close();
        }
      });
    });
  });
  afterEach(() => server.close());

  it('answers an SSE stream that tells the browser when to reconnect, and is never cached', async () => {
    const { headers, text } = await readStream(`${server.url}/send`, (t) => t.includes('event: value'));
    expect(headers['content-type']).to.equal('text/event-stream; charset=utf-8');
    expect(headers['cache-control']).to.equal('no-store');
    expect(text).to.equal('retry: 2000\n\nevent: snapshot\ndata: {"n":1}\n\nevent: value\ndata: {"name":"hits","value":"3"}\n\n');
  });

  it('ends the answer on close(), runs each close callback once, and writes nothing after', async () => {
    const { text, isEnded } = await readStream(`${server.url}/end`, () => false);
    expect(isEnded).to.equal(true);
    expect(text).to.equal('retry: 2000\n\nevent: bye\ndata: {}\n\n');
    const stream = opened[0] as EventStream;
    stream.close();
    stream.send('late', {});
    expect([stream.isClosed, closedCount]).to.deep.equal([true, 1]);
  });

  it('closes when the browser goes away', async () => {
    await readStream(`${server.url}/`, (t) => t.startsWith('retry:'));
    for (let i = 0; i < 100 && closedCount === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(closedCount).to.equal(1);
    expect(opened[0]?.isClosed).to.equal(true);
  });

  it('runs a callback added after close at once', async () => {
    await readStream(`${server.url}/end`, () => false);
    let ran = false;
    opened[0]?.onClose(() => void (ran = true));
    expect(ran).to.equal(true);
  });
});
