import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { checkReadyz, HealthChecker, type CheckHealth } from '../src/health-checker.js';
import { Registry, type Transition } from '../src/registry.js';
import { capturingLog, silentLog } from './helpers/http.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function checkerWith(check: CheckHealth, intervalMs = 1000, timeoutMs = 500) {
  const registry = new Registry({ suspectAfter: 2, removeAfter: 4, now: Date.now });
  const results: Array<[Transition, boolean]> = [];
  const checker = new HealthChecker({
    registry, check, intervalMs, timeoutMs, log: silentLog(),
    onResult: (t, isOk) => void results.push([t, isOk]),
  });
  return { registry, checker, results };
}

describe('HealthChecker#checkAll()', () => {
  it('never starts a second check of a server whose first is still in flight', async () => {
    const pending: Array<(ok: boolean) => void> = [];
    const calls: string[] = [];
    const { registry, checker } = checkerWith((url) => {
      calls.push(url);
      return new Promise((resolve) => pending.push(resolve));
    });
    registry.register('a', 'http://a');
    const first = checker.checkAll();
    void checker.checkAll();
    expect(calls).to.deep.equal(['http://a']);
    expect(checker.inFlightCount).to.equal(1);
    pending.shift()?.(true);
    await first;
    void checker.checkAll();
    expect(calls).to.deep.equal(['http://a', 'http://a']);
    pending.shift()?.(true);
  });

  it('passes the timeout to the check and records its result in the registry', async () => {
    const timeouts: number[] = [];
    const { registry, checker, results } = checkerWith(async (_url, timeoutMs) => {
      timeouts.push(timeoutMs);
      return false;
    }, 1000, 123);
    registry.register('a', 'http://a');
    await checker.checkAll();
    expect(timeouts).to.deep.equal([123]);
    expect(registry.get('a')?.status).to.equal('failing');
    expect(results.map(([t, isOk]) => [t.to, isOk])).to.deep.equal([['failing', false]]);
  });

  it('counts a check that throws as failed', async () => {
    const { registry, checker } = checkerWith(async () => {
      throw new Error('boom');
    });
    registry.register('a', 'http://a');
    await checker.checkAll();
    expect(registry.get('a')?.status).to.equal('failing');
  });

  it('drops results that arrive after stop()', async () => {
    let finish: (ok: boolean) => void = () => undefined;
    const { registry, checker } = checkerWith(() => new Promise((resolve) => (finish = resolve)));
    registry.register('a', 'http://a');
    const round = checker.checkAll();
    checker.stop();
    finish(false);
    await round;
    expect(registry.get('a')?.status).to.equal('ready');
  });
});

describe('HealthChecker#start()', () => {
  it('checks every interval until stopped', async () => {
    let calls = 0;
    const { registry, checker } = checkerWith(async () => {
      calls += 1;
      return true;
    }, 20);
    registry.register('a', 'http://a');
    checker.start();
    await sleep(150);
    checker.stop();
    const atStop = calls;
    expect(atStop).to.be.at.least(3);
    await sleep(80);
    expect(calls).to.equal(atStop);
  });
});

describe('checkReadyz()', () => {
  let server: Server;
  let base: string;
  let hang = false;
  let status = 200;

  before(async () => {
    server = createServer((req, res) => {
      if (req.url !== '/readyz') return void res.writeHead(404).end();
      if (hang) return;
      res.writeHead(status).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  beforeEach(() => {
    hang = false;
    status = 200;
  });

  it('is true for a 2xx answer from url/readyz', async () => {
    expect(await checkReadyz(base, 1000)).to.equal(true);
    status = 204;
    expect(await checkReadyz(base, 1000)).to.equal(true);
  });

  it('is false for a non-2xx answer', async () => {
    status = 503;
    expect(await checkReadyz(base, 1000)).to.equal(false);
    expect(await checkReadyz(`${base}/elsewhere`, 1000), 'a 404').to.equal(false);
  });

  it('is false, within about the timeout, when the server hangs', async () => {
    hang = true;
    const start = Date.now();
    expect(await checkReadyz(base, 100)).to.equal(false);
    expect(Date.now() - start).to.be.within(90, 1000);
  });

  it('is false when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await checkReadyz(`http://127.0.0.1:${port}`, 1000)).to.equal(false);
  });
});

describe('HealthChecker#checkAll() logs', () => {
  it('warns at the first failed check, then at most every 30 s, and says once when the server is back', async () => {
    const { log, lines } = capturingLog();
    const clock = { now: 0 };
    let isUp = false;
    const registry = new Registry({ suspectAfter: 3, removeAfter: 1000, now: () => clock.now });
    const checker = new HealthChecker({ registry, check: async () => isUp, intervalMs: 1000, timeoutMs: 500, log, now: () => clock.now });
    registry.register('s1', 'http://s1');
    for (let second = 0; second < 65; second++) {
      clock.now = second * 1000;
      await checker.checkAll();
    }
    isUp = true;
    await checker.checkAll();
    await checker.checkAll();
    const reach = lines.filter((l) => String(l.msg).startsWith('server ') && String(l.msg).includes('reachable'));
    expect(reach.map((l) => [l.msg, l.failures])).to.deep.equal([
      ['server unreachable', 1],
      ['server still unreachable', 31],
      ['server still unreachable', 61],
      ['server reachable again', 65],
    ]);
    expect(reach.every((l) => l.peer === 's1')).to.equal(true);
    expect(lines.filter((l) => l.msg === 'server suspect: no longer handed out')).to.have.length(1);
  });
});
