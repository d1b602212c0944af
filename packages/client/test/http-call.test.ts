import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { HttpCaller } from '../src/http-call.js';
import { HttpFake, sendJson } from './helpers/http-fake.js';

describe('HttpCaller#call()', () => {
  const fake = new HttpFake();
  const caller = new HttpCaller(300);
  before(() =>
    fake.listen((request, res) => {
      if (request.path === '/json') return sendJson(res, 201, { echo: request.body, method: request.method });
      if (request.path === '/text') return void res.end('plain');
      if (request.path === '/hang') return;
      res.statusCode = 500;
      res.end();
    }),
  );
  after(async () => {
    caller.close();
    await fake.close();
  });

  it('answers any status with the parsed JSON body and its text', async () => {
    const outcome = await caller.call({ method: 'POST', url: `${fake.url}/json`, body: 'hi', headers: { 'x-a': '1' } });
    expect(outcome).to.deep.include({ kind: 'answer', status: 201, body: { echo: 'hi', method: 'POST' } });
    expect(fake.requests.at(-1)?.headers['x-a']).to.equal('1');
    expect(fake.requests.at(-1)?.headers['user-agent']).to.equal('tally-client/0.1.0');
  });

  it('gives a body that is not JSON as text only, and a 5xx as an answer', async () => {
    expect(await caller.call({ method: 'GET', url: `${fake.url}/text` })).to.deep.include({ kind: 'answer', status: 200, body: undefined, text: 'plain' });
    expect(await caller.call({ method: 'GET', url: `${fake.url}/err` })).to.deep.include({ kind: 'answer', status: 500 });
  });

  it('calls a refused connection not-sent: safe to send elsewhere', async () => {
    const outcome = await caller.call({ method: 'POST', url: 'http://127.0.0.1:1/x' });
    expect(outcome.kind).to.equal('not-sent');
    expect((outcome as { reason: string }).reason).to.include('ECONNREFUSED');
  });

  it('calls a timeout unknown, naming the timeout, and a per-call timeout wins', async () => {
    expect(await caller.call({ method: 'POST', url: `${fake.url}/hang` })).to.deep.equal({ kind: 'unknown', reason: 'no answer within 300ms' });
    expect(await caller.call({ method: 'POST', url: `${fake.url}/hang`, timeoutMs: 100 })).to.deep.equal({ kind: 'unknown', reason: 'no answer within 100ms' });
  });

  it('calls a connection cut before the answer unknown: the server may have seen it', async () => {
    const cutter: Server = createServer((socket) => socket.once('data', () => socket.destroy()));
    await new Promise<void>((resolve) => cutter.listen(0, '127.0.0.1', resolve));
    try {
      const outcome = await caller.call({ method: 'POST', url: `http://127.0.0.1:${(cutter.address() as AddressInfo).port}/`, body: 'x' });
      expect(outcome.kind).to.equal('unknown');
    } finally {
      cutter.close();
    }
  });

  it('calls an aborted request cancelled', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    expect(await caller.call({ method: 'POST', url: `${fake.url}/hang`, signal: controller.signal })).to.deep.equal({ kind: 'cancelled', reason: 'cancelled' });
  });
});
