import { expect } from 'chai';
import { decodeToken, type CounterPull, type SlotId } from '@tally/core';
import { CounterReads } from '../../src/counter/counter-reads.js';
import { FrameIntake } from '../../src/replication/intake.js';
import type { Peer } from '../../src/replication/membership.js';
import { CounterTable } from '../../src/state/counter-table.js';
import { testMetrics } from '../support/fake-peers.js';
import { silentLog } from '../support/start-server.js';

const peer = (port: number): Peer => ({ id: `p${port}`, url: `http://127.0.0.1:${port}` }) as Peer;
const PEERS = [peer(7002), peer(7003)];

/** Reads over a real table (a:1 holds 3 of `x`) and intake; peers answer from `answers` by URL. */
function reads(answers: Record<string, CounterPull | undefined>, waitTimeoutMs = 2000) {
  const table = new CounterTable();
  table.setLiveSlot('a:1');
  table.merge('x', 'a:1', 3n, 0n);
  const observed: string[] = [];
  const reader = new CounterReads({
    config: { waitTimeoutMs },
    table,
    intake: new FrameIntake({ table, log: silentLog, metrics: testMetrics(), now: () => 1_000_000 }),
    replication: { clusterSize: 3, levelPeers: () => PEERS, observe: (from: { url: string } | { id: string }, slot: SlotId) => void observed.push(`${'url' in from ? from.url : from.id} ${slot}`) },
    client: { pullCounter: async (url: string) => answers[url] },
    metrics: testMetrics(),
  });
  return { table, observed, reader };
}

const pullOf = (slot: string, counter: CounterPull['counter']): CounterPull => ({ slot, name: 'x', counter });

describe('CounterReads#read()', () => {
  it('answers locally by default, without asking peers', async () => {
    const { reader, observed } = reads({});
    expect(await reader.read('x', {})).to.deep.equal({ name: 'x', value: 3n, acks: 1, required: 1, isComplete: true });
    expect(observed).to.deep.equal([]);
  });

  it('merges what the peers hold before answering at quorum, and notes their live slots', async () => {
    const { reader, observed } = reads({ [PEERS[0]!.url]: pullOf('b:1', { 'b:1': ['4', '0'] }), [PEERS[1]!.url]: pullOf('c:1', { 'c:1': ['5', '0'] }) });
    const outcome = await reader.read('x', { level: 'all' });
    expect(outcome).to.deep.equal({ name: 'x', value: 12n, acks: 3, required: 3, isComplete: true });
    expect(observed.sort()).to.deep.equal([`${PEERS[0]!.url} b:1`, `${PEERS[1]!.url} c:1`]);
  });

  it('is incomplete, with the best value, when too few peers answer in time', async () => {
    const { reader } = reads({ [PEERS[0]!.url]: pullOf('b:1', { 'b:1': ['4', '0'] }) }, 200);
    const outcome = await reader.read('x', { level: 'all' });
    expect(outcome).to.deep.equal({ name: 'x', value: 7n, acks: 2, required: 3, isComplete: false });
  });

  it('names the parameter a bad level came from', async () => {
    const { reader } = reads({});
    const message = await reader.read('x', { level: 'most', param: 'wait' }).then(() => '', (err: Error) => err.message);
    expect(message).to.match(/^wait /);
  });

  it('waits for the peers until a session token of a write it has not seen is met', async () => {
    const { reader } = reads({ [PEERS[0]!.url]: pullOf('b:1', { 'b:1': ['4', '0'] }) });
    const token = { name: 'x', versions: new Map([['b:1', 4n]]) };
    const outcome = await reader.read('x', { token });
    expect(outcome).to.include({ value: 7n, isComplete: true });
  });
});

describe('CounterReads#tokenFor()', () => {
  it("encodes every slot's version of a known counter", () => {
    const { reader, table } = reads({});
    table.merge('x', 'b:1', 4n, 1n);
    const token = decodeToken(reader.tokenFor('x'));
    expect(token.name).to.equal('x');
    expect([...token.versions.keys()].sort()).to.deep.equal(['a:1', 'b:1']);
  });

  it('answers an empty token for an unknown name', () => {
    const { reader } = reads({});
    const token = decodeToken(reader.tokenFor('never'));
    expect([token.name, token.versions.size]).to.deep.equal(['never', 0]);
  });
});
