import { expect } from 'chai';
import { WatchHub } from '../../src/ops/watch-hub.js';

function hubWithClock(values: Map<string, bigint>) {
  const clock = { now: 1_000_000 };
  const hub = new WatchHub({ valueOf: (name) => values.get(name) ?? 0n, intervalMs: 600_000, now: () => clock.now, maxWatchers: 3 });
  return { hub, clock };
}

const read = (chunks: string[]): string => chunks.join('');

describe('WatchHub#tick()', () => {
  it('writes an event only when the value changed, and a keep-alive comment after 15 s of silence', async () => {
    const values = new Map([['x', 1n]]);
    const { hub, clock } = hubWithClock(values);
    const stream = hub.open('x');
    const chunks: string[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c.toString()));
    hub.tick();
    values.set('x', 2n);
    clock.now += 1000;
    hub.tick();
    hub.tick();
    clock.now += 14_999;
    hub.tick();
    clock.now += 1;
    hub.tick();
    await new Promise((r) => setImmediate(r)); // a PassThrough delivers on a later tick
    expect(read(chunks)).to.equal('event: value\ndata: {"name":"x","value":"1"}\n\nevent: value\ndata: {"name":"x","value":"2"}\n\n: keep-alive\n\n');
    hub.close();
  });
});

describe('WatchHub#open()', () => {
  it('refuses more than maxWatchers with a 503, and takes new ones once a stream closed', async () => {
    const { hub } = hubWithClock(new Map());
    const streams = [hub.open('a'), hub.open('b'), hub.open('c')];
    expect(() => hub.open('d')).to.throw().with.property('status', 503);
    streams[0]?.destroy();
    await new Promise((r) => setImmediate(r));
    expect(hub.size).to.equal(2);
    expect(() => hub.open('d')).not.to.throw();
    hub.close();
    expect(hub.size).to.equal(0);
  });
});
