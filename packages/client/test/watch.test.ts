import type { ServerResponse } from 'node:http';
import { expect } from 'chai';
import { TallyClientError } from '../src/errors.js';
import { HttpCaller } from '../src/http-call.js';
import { watchCounter } from '../src/watch.js';
import { HttpFake } from './helpers/http-fake.js';

const server = { id: 's1', url: '' };

describe('watchCounter()', () => {
  const fake = new HttpFake();
  const http = new HttpCaller(1000);
  /** What the fake server does with a watch: by path. */
  const scripts: Record<string, (res: ServerResponse) => void> = {
    '/changes': (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // Split mid-event: the SSE framing must reassemble it. A repeat of the same value is dropped.
      res.write('retry: 2000\n\nevent: value\ndata: {"name":"hits","val');
      res.write('ue":"1"}\n\n: keep-alive\n\nevent: value\ndata: {"name":"hits","value":"1"}\n\n');
      res.write('event: other\ndata: {}\n\nevent: value\ndata: {"name":"hits","value":"-99999999999999999999"}\n\n');
    },
    '/ends': (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('event: value\ndata: {"name":"hits","value":"4"}\n\n');
    },
    '/garbled': (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: value\ndata: {"name":"hits","value":4}\n\n');
    },
    '/refused': (res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"not_found","message":"no"}}');
    },
    '/silent': (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': hello\n\n');
    },
  };
  before(() => fake.listen((request, res) => scripts[request.path]?.(res)));
  after(async () => {
    http.close();
    await fake.close();
  });

  /** Watches `path` until `stopAfter` values arrived (then aborts) or the watch ends itself. */
  async function watch(path: string, stopAfter = Infinity, idleMs = 2000) {
    const controller = new AbortController();
    const values: string[] = [];
    const ended = await watchCounter(http, { url: `${fake.url}${path}`, headers: { authorization: 'Bearer t' }, server: { ...server, url: fake.url }, idleMs }, {
      signal: controller.signal,
      onValue: (name, value) => {
        values.push(`${name}=${value}`);
        if (values.length >= stopAfter) controller.abort();
      },
    }).then(() => undefined, (err: TallyClientError) => err);
    return { values, ended };
  }

  it('reports each change once, and resolves when the caller aborts', async () => {
    const { values, ended } = await watch('/changes', 2);
    expect(values).to.deep.equal(['hits=1', 'hits=-99999999999999999999']);
    expect(ended).to.equal(undefined);
    const request = fake.requests.find((r) => r.path === '/changes');
    expect([request?.headers.accept, request?.headers.authorization]).to.deep.equal(['text/event-stream', 'Bearer t']);
  });

  it('rejects with watch_ended when the server ends the stream', async () => {
    const { values, ended } = await watch('/ends');
    expect(values).to.deep.equal(['hits=4']);
    expect(ended?.code).to.equal('watch_ended');
    expect(ended?.message).to.include('ended the watch');
  });

  it('rejects with bad_answer on an event without a decimal value', async () => {
    const { ended } = await watch('/garbled');
    expect(ended?.code).to.equal('bad_answer');
  });

  it("rejects with the answer's status when the watch is refused", async () => {
    const { ended } = await watch('/refused');
    expect([ended?.code, ended?.status]).to.deep.equal(['http_404', 404]);
  });

  it('rejects with watch_failed when the stream stays silent past idleMs', async () => {
    const { ended } = await watch('/silent', Infinity, 150);
    expect(ended?.code).to.equal('watch_failed');
  });
});
