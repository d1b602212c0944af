/**
 * Quorum writes and reads (`?wait=quorum`, `?consistency=quorum`), what happens to each level
 * when one of three servers hangs (SIGSTOP), and `?wait=2` surviving the loss of the writer's
 * disk. publishIntervalMs is 5000 ms, so background replication can't make a read fresh: only
 * the level itself can.
 */
import { rmSync } from 'node:fs';
import { expect } from 'chai';
import { Cluster, http, waitFor } from './harness.js';
import { at, since, summarize, textValue, whileStopped } from './consistency-helpers.js';

const WAIT_TIMEOUT_MS = 1000;
const REQUEST_TIMEOUT_MS = 300;
const JSON_ACCEPT = { accept: 'application/json' };

interface ErrorBody {
  error: { code: string; message: string; value: string; applied?: boolean; acks?: number; required?: number };
}

describe('quorum and all levels on three servers', function () {
  this.timeout(60_000);
  let cluster: Cluster;
  const latencies = { quorumWrite: [] as number[], quorumRead: [] as number[], stoppedQuorumWrite: [] as number[], stoppedQuorumRead: [] as number[] };

  before(async function () {
    this.timeout(60_000);
    cluster = await new Cluster({
      servers: 3,
      publishIntervalMs: 5000,
      // A per-call timeout well below the wait timeout: levels must wait the whole wait timeout
      // (retrying a silent peer), not give up when one call to it times out.
      serverArgs: ['--wait-timeout-ms', String(WAIT_TIMEOUT_MS), '--request-timeout-ms', String(REQUEST_TIMEOUT_MS)],
      // Keep a frozen server a member: `all` must still wait for it.
      balancerArgs: ['--remove-after', '1000'],
    }).start();
  });

  after(async () => {
    if (latencies.quorumWrite.length > 0) {
      console.log(`      wait=quorum write: ${summarize(latencies.quorumWrite)}`);
      console.log(`      consistency=quorum read: ${summarize(latencies.quorumRead)}`);
    }
    if (latencies.stoppedQuorumWrite.length > 0) {
      console.log(`      wait=quorum write, one server stopped: ${summarize(latencies.stoppedQuorumWrite)}`);
      console.log(`      consistency=quorum read, one server stopped: ${summarize(latencies.stoppedQuorumRead)}`);
    }
    await cluster?.stopAll();
  });

  const url = (id: string): string => cluster.server(id).url;

  it('does not show a plain write to a local read on another server (publishing is too slow to help)', async () => {
    // A publish round could land between write and read; one stale read in 3 tries proves the point.
    let stale = 0;
    for (let attempt = 0; attempt < 3 && stale === 0; attempt++) {
      const post = await http.post(`${url('s1')}/counter/q-plain-${attempt}`, { body: '3' });
      expect(post.statusCode).to.equal(200);
      const local = await http.get(`${url('s2')}/counter/q-plain-${attempt}/value`);
      expect(local.statusCode).to.equal(200);
      if (textValue(local.body) === 0n) stale++;
    }
    expect(stale).to.equal(1);
  });

  it('shows a wait=quorum write on one server to an immediate consistency=quorum read on another', async () => {
    // Every ordered pair of distinct servers, twice.
    const pairs = [['s1', 's2'], ['s2', 's3'], ['s3', 's1'], ['s1', 's3'], ['s3', 's2'], ['s2', 's1']] as const;
    for (let i = 0; i < 12; i++) {
      const name = `q-${i}`;
      const [writer, reader] = at(pairs, i % pairs.length);
      let expected = 0n;
      for (const amount of [5n, 7n]) {
        expected += amount;
        let started = performance.now();
        const write = await http.post(`${url(writer)}/counter/${name}?wait=quorum`, { body: amount.toString(), headers: JSON_ACCEPT });
        latencies.quorumWrite.push(since(started));
        expect(write.statusCode, write.body).to.equal(200);
        const answer = JSON.parse(write.body) as { value: string; applied: boolean; acks: number; required: number };
        expect(answer).to.include({ value: expected.toString(), applied: true, required: 2 });
        expect(answer.acks).to.be.at.least(2);
        started = performance.now();
        const read = await http.get(`${url(reader)}/counter/${name}/value?consistency=quorum`);
        latencies.quorumRead.push(since(started));
        expect(read.statusCode, `${writer} -> ${reader}: ${read.body}`).to.equal(200);
        expect(textValue(read.body), `${name}: wrote on ${writer}, read on ${reader}`).to.equal(expected);
      }
    }
  });

  it('accepts the alias ?wait=quorum on a read', async () => {
    const write = await http.post(`${url('s3')}/counter/q-alias?wait=quorum`, { body: '11' });
    expect(write.statusCode).to.equal(200);
    const read = await http.get(`${url('s1')}/counter/q-alias/value?wait=quorum`);
    expect(read.statusCode).to.equal(200);
    expect(textValue(read.body)).to.equal(11n);
  });

  describe('with one server stopped (SIGSTOP)', () => {
    it('serves quorum writes and reads promptly, times out all-levels with the best value, and keeps the increment', async function () {
      this.timeout(40_000);
      await whileStopped(cluster, 's3', async () => {
        // Quorum: two of three are enough, and the fastest two answer.
        let expected = 0n;
        for (let i = 0; i < 8; i++) {
          const amount = BigInt(i + 1);
          expected += amount;
          let started = performance.now();
          const write = await http.post(`${url('s1')}/counter/q-stop?wait=quorum`, { body: amount.toString() });
          const writeMs = since(started);
          latencies.stoppedQuorumWrite.push(writeMs);
          expect(write.statusCode, write.body).to.equal(200);
          expect(textValue(write.body)).to.equal(expected);
          expect(writeMs, 'wait=quorum write latency').to.be.below(1000);
          started = performance.now();
          const read = await http.get(`${url('s2')}/counter/q-stop/value?consistency=quorum`);
          const readMs = since(started);
          latencies.stoppedQuorumRead.push(readMs);
          expect(read.statusCode, read.body).to.equal(200);
          expect(textValue(read.body)).to.equal(expected);
          expect(readMs, 'consistency=quorum read latency').to.be.below(1000);
        }

        // wait=all: 408 within the timeout, with the best value, and the increment applied.
        expected += 100n;
        let started = performance.now();
        const allText = await http.post(`${url('s1')}/counter/q-stop?wait=all`, { body: '100' });
        let elapsed = since(started);
        expect(allText.statusCode, allText.body).to.equal(408);
        expect(textValue(allText.body)).to.equal(expected);
        expect(allText.headers['tally-applied'], 'a text 408 still says the write is applied').to.equal('true');
        expect(elapsed, 'wait=all 408 latency').to.be.below(WAIT_TIMEOUT_MS + 1000);
        expect(elapsed, 'wait=all waits the whole wait timeout').to.be.at.least(WAIT_TIMEOUT_MS - 50);
        console.log(`      wait=all write with s3 stopped: 408 after ${elapsed.toFixed(0)} ms`);

        expected += 1000n;
        const allJson = await http.post(`${url('s2')}/counter/q-stop?wait=all`, { body: '1000', headers: JSON_ACCEPT });
        expect(allJson.statusCode, allJson.body).to.equal(408);
        const error = (JSON.parse(allJson.body) as ErrorBody).error;
        expect(error).to.include({ code: 'timeout', applied: true, required: 3, acks: 2 });
        // s2 knows its own write and what s1 pushed to it synchronously: the whole total.
        expect(BigInt(error.value)).to.equal(expected);

        // The increments stay applied: a quorum read elsewhere counts them.
        const after = await http.get(`${url('s1')}/counter/q-stop/value?consistency=quorum`);
        expect(after.statusCode).to.equal(200);
        expect(textValue(after.body)).to.equal(expected);

        // consistency=all and /consistent_value: 408 with the best value.
        started = performance.now();
        const allRead = await http.get(`${url('s2')}/counter/q-stop/value?consistency=all`);
        elapsed = since(started);
        expect(allRead.statusCode, allRead.body).to.equal(408);
        expect(textValue(allRead.body)).to.equal(expected);
        expect(elapsed, 'consistency=all 408 latency').to.be.below(WAIT_TIMEOUT_MS + 1000);
        expect(elapsed, 'consistency=all waits the whole wait timeout').to.be.at.least(WAIT_TIMEOUT_MS - 50);
        console.log(`      consistency=all read with s3 stopped: 408 after ${elapsed.toFixed(0)} ms`);

        const consistent = await http.get(`${url('s1')}/counter/q-stop/consistent_value`, { headers: JSON_ACCEPT });
        expect(consistent.statusCode, consistent.body).to.equal(408);
        const readError = (JSON.parse(consistent.body) as ErrorBody).error;
        expect(readError.code).to.equal('timeout');
        expect(BigInt(readError.value)).to.equal(expected);
      });

      // Thawed: s3 catches up, and all-levels answer 200 with the full total again.
      await cluster.waitReady('s3');
      const total = 36n + 100n + 1000n;
      await waitFor('consistency=all to answer 200 again', async () => {
        const res = await http.get(`${url('s3')}/counter/q-stop/value?consistency=all`, { timeout: { request: 5000 } });
        return res.statusCode === 200 && textValue(res.body) === total;
      }, 20_000, 200);
    });
  });

  it('keeps a wait=2 write when the writer is killed at once and its disk is destroyed', async function () {
    this.timeout(60_000);
    const name = 'q-disk';
    const write = await http.post(`${url('s1')}/counter/${name}?wait=2`, { body: '42', headers: JSON_ACCEPT });
    await cluster.kill('s1', 'SIGKILL');
    expect(write.statusCode, write.body).to.equal(200);
    expect(JSON.parse(write.body)).to.include({ value: '42', required: 2 });

    rmSync(cluster.dataDir('s1'), { recursive: true, force: true });
    await cluster.restart('s1');
    await waitFor('every server to count the wait=2 write', async () => (await cluster.values(name)).every((v) => v === 42n), 30_000, 200);

    // The new incarnation's increments are not swallowed by the old slot.
    const again = await http.post(`${url('s1')}/counter/${name}?wait=quorum`, { body: '8', headers: JSON_ACCEPT });
    expect(again.statusCode, again.body).to.equal(200);
    const answers = [JSON.parse(write.body), JSON.parse(again.body)] as Array<{ value: string; slot: string }>;
    expect(answers[1]?.value).to.equal('50');
    expect(answers[1]?.slot, 'the restarted server writes to a new slot').to.not.equal(answers[0]?.slot);
    await waitFor('every server to count both writes', async () => (await cluster.values(name)).every((v) => v === 50n), 30_000, 200);
  });
});
