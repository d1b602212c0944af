import { expect } from 'chai';
import { fanOut } from '../../src/replication/quorum.js';

const after = <T>(ms: number, value: T): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(value), ms));

describe('fanOut()', () => {
  it('settles on the W-th fastest answer, not the slowest', async () => {
    const delays: Record<string, number> = { a: 10, b: 20, c: 2000 };
    const started = Date.now();
    const result = await fanOut(['a', 'b', 'c'], (peer) => after(delays[peer] ?? 0, true), (acks) => acks >= 2, 5000);
    expect(result.acks).to.equal(2);
    expect(Date.now() - started).to.be.below(1500);
  });

  it('asks a failing peer again until it answers', async () => {
    let calls = 0;
    const result = await fanOut(['a'], async () => ++calls >= 3, (acks) => acks >= 1, 5000);
    expect([result.acks, calls]).to.deep.equal([1, 3]);
  });

  it('gives up at the deadline with the acks it has, and passes each call the time left', async () => {
    const lefts: number[] = [];
    const result = await fanOut(['a', 'b'], async (peer, left) => {
      lefts.push(left);
      return peer === 'a';
    }, (acks) => acks >= 2, 250);
    expect(result.acks).to.equal(1);
    expect(lefts.every((left) => left > 0 && left <= 250)).to.equal(true);
  });

  it('settles at once when nothing is needed or there is nobody to ask', async () => {
    expect((await fanOut([], async () => true, () => false, 5000)).acks).to.equal(0);
    expect((await fanOut(['a'], async () => true, () => true, 5000)).acks).to.equal(0);
  });
});
