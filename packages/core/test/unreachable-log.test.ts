import { expect } from 'chai';
import { UnreachableLog } from '../src/unreachable-log.js';

function recorder() {
  const lines: Array<{ level: string; fields: Record<string, unknown>; message: string }> = [];
  const log = {
    warn: (fields: object, message: string) => void lines.push({ level: 'warn', fields: fields as Record<string, unknown>, message }),
    info: (fields: object, message: string) => void lines.push({ level: 'info', fields: fields as Record<string, unknown>, message }),
  };
  return { log, lines };
}

describe('UnreachableLog#failed()', () => {
  it('warns at the first failure, then at most once per 30 s with the failure count', () => {
    const { log, lines } = recorder();
    const clock = { now: 0 };
    const unreachable = new UnreachableLog({ log, now: () => clock.now, what: 'peer' });
    for (let second = 0; second < 95; second++) {
      clock.now = second * 1000;
      unreachable.failed('http://p', 'ECONNREFUSED');
    }
    expect(lines.map((l) => [l.level, l.message, l.fields.failures])).to.deep.equal([
      ['warn', 'peer unreachable', 1],
      ['warn', 'peer still unreachable', 31],
      ['warn', 'peer still unreachable', 61],
      ['warn', 'peer still unreachable', 91],
    ]);
    expect(lines[0]?.fields).to.deep.equal({ peer: 'http://p', err: 'ECONNREFUSED', failures: 1 });
    expect(unreachable.failures('http://p')).to.equal(95);
  });

  it('keeps one outage per party', () => {
    const { log, lines } = recorder();
    const unreachable = new UnreachableLog({ log, now: () => 0, what: 'peer' });
    unreachable.failed('a', 'x');
    unreachable.failed('b', 'x');
    unreachable.failed('a', 'x');
    expect(lines.map((l) => l.fields.peer)).to.deep.equal(['a', 'b']);
  });
});

describe('UnreachableLog#succeeded()', () => {
  it('logs one info line when a failing party answers again, and nothing for one that never failed', () => {
    const { log, lines } = recorder();
    const clock = { now: 0 };
    const unreachable = new UnreachableLog({ log, now: () => clock.now, what: 'balancer' });
    unreachable.succeeded('b');
    unreachable.failed('b', 'timeout');
    unreachable.failed('b', 'timeout');
    clock.now = 12_000;
    unreachable.succeeded('b');
    unreachable.succeeded('b');
    expect(lines.map((l) => [l.level, l.message])).to.deep.equal([['warn', 'balancer unreachable'], ['info', 'balancer reachable again']]);
    expect(lines[1]?.fields).to.deep.equal({ peer: 'b', failures: 2, downSeconds: 12 });
    expect(unreachable.failures('b')).to.equal(0);
  });
});
