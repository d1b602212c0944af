import { expect } from 'chai';
import { itemType } from '../../src/items/item-type.js';
import { repairWith } from '../../src/keyspace/keyed-repair.js';
import { KeyedNetwork } from '../support/keyed-network.js';

async function pair() {
  const net = new KeyedNetwork(itemType);
  const [a, b] = [net.add('a'), net.add('b')];
  await Promise.all([a.recover(), b.recover()]);
  const repairOfA = () => repairWith('http://b', { digest: a.table.digest, client: net.client('http://a'), receive: (g) => a.receive(g), timeoutMs: 100 });
  return { net, a, b, repairOfA };
}

describe('repairWith()', () => {
  it('pulls a big key in pages (the network pages by 3) and leaves nothing differing', async () => {
    const { a, b, repairOfA } = await pair();
    await b.add([['big', Array.from({ length: 10 }, (_, i) => `id${i}`)]], undefined);
    const report = await repairOfA();
    expect(report?.differingLeaves).to.equal(1);
    expect(report?.pagesPulled).to.equal(4);
    expect(a.table.value('big')).to.equal(10n);
    expect((await repairOfA())?.differingLeaves).to.equal(0);
  });

  it('answers undefined when the peer can\'t be reached, and changes nothing', async () => {
    const { net, a, b, repairOfA } = await pair();
    await b.add([['t', ['x']]], undefined);
    net.down.add('http://b');
    expect(await repairOfA()).to.equal(undefined);
    expect(a.table.journalLength).to.equal(0);
  });

  it('takes pulled parts through the cap: past it they are refused and counted', async () => {
    const net = new KeyedNetwork(itemType);
    const [a, b] = [net.add('a', { maxParts: 2 }), net.add('b')];
    await Promise.all([a.recover(), b.recover()]);
    await b.add([['t', ['1', '2', '3', '4']]], undefined);
    await repairWith('http://b', { digest: a.table.digest, client: net.client('http://a'), receive: (g) => a.receive(g), timeoutMs: 100 });
    expect(a.table.journalLength).to.equal(2);
    expect(net.refused.get('a')).to.equal(2);
  });
});
