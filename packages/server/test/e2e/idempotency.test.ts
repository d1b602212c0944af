/**
 * Exactly-once increments with `Idempotency-Key`: concurrent and sequential repeats, a repeat
 * after the server was killed with -9 and restarted, receipts, key reuse, and the client
 * library's keys.
 */
import { expect } from 'chai';
import { TallyClient } from '../../../client/src/index.js';
import { Cluster, http, waitFor } from './harness.js';
import { mulberry32, randInt } from './random.js';

const SEED = 20261122;
const JSON_ACCEPT = { accept: 'application/json' };

interface WriteAnswer {
  name: string;
  value: string;
  applied: boolean;
  slot: string;
  seq: string;
}

interface Receipt {
  key: string;
  applied: boolean;
  name: string;
  amount: string;
  slot: string;
  seq: string;
  value: string;
  at: string;
}

describe(`Idempotency-Key: exactly-once increments (seed ${SEED})`, function () {
  this.timeout(60_000);
  let cluster: Cluster;
  const rand = mulberry32(SEED);
  const name = 'idem-x';
  const key = `idem-${SEED}-${randInt(rand, 0, 1e9)}`;
  const amount = BigInt(randInt(rand, 2, 1000));
  let original: WriteAnswer | undefined;

  before(async function () {
    this.timeout(60_000);
    cluster = await new Cluster({ servers: 3, publishIntervalMs: 200 }).start();
  });

  after(async () => {
    await cluster?.stopAll();
  });

  const url = (id: string): string => cluster.server(id).url;
  const send = (id: string, k: string, n: string, body: string) =>
    http.post(`${url(id)}/counter/${n}`, { body, headers: { ...JSON_ACCEPT, 'idempotency-key': k } });

  it('counts a key sent 5 times concurrently once: 200 with one answer, or 409 while in flight', async () => {
    // A little traffic on the counter first, so the answer's value is not just the amount.
    const warm = await http.post(`${url('s2')}/counter/${name}?wait=all`, { body: '1' });
    expect(warm.statusCode).to.equal(200);

    const answers = await Promise.all(Array.from({ length: 5 }, () => send('s1', key, name, amount.toString())));
    const statuses = answers.map((a) => a.statusCode);
    expect(statuses.every((s) => s === 200 || s === 409), `statuses ${statuses.join(',')}`).to.equal(true);
    const oks = answers.filter((a) => a.statusCode === 200).map((a) => JSON.parse(a.body) as WriteAnswer);
    expect(oks.length).to.be.at.least(1);
    original = oks[0] as WriteAnswer;
    expect(original).to.include({ name, value: (amount + 1n).toString(), applied: true });
    for (const ok of oks) expect(ok).to.deep.equal(original);
    for (const conflict of answers.filter((a) => a.statusCode === 409)) {
      expect((JSON.parse(conflict.body) as { error: { code: string } }).error.code).to.be.a('string');
    }
  });

  it('answers a sequential repeat with the same answer and counts nothing more', async () => {
    for (let i = 0; i < 3; i++) {
      const again = await send('s1', key, name, amount.toString());
      expect(again.statusCode, again.body).to.equal(200);
      expect(JSON.parse(again.body)).to.deep.equal(original);
    }
    const text = await http.post(`${url('s1')}/counter/${name}`, { body: amount.toString(), headers: { 'idempotency-key': key } });
    expect(text.statusCode).to.equal(200);
    expect(text.body.trim()).to.equal(original?.value);
    const all = await http.get(`${url('s3')}/counter/${name}/value?consistency=all`);
    expect(all.statusCode).to.equal(200);
    expect(BigInt(all.body.trim())).to.equal(amount + 1n);
  });

  it('gives a receipt for an applied key and 404 for an unknown one', async () => {
    const res = await http.get(`${url('s1')}/requests/${key}`);
    expect(res.statusCode, res.body).to.equal(200);
    const receipt = JSON.parse(res.body) as Receipt;
    expect(receipt).to.include({ key, applied: true, name, amount: amount.toString(), slot: original?.slot, seq: original?.seq, value: original?.value });
    expect(Number.isNaN(Date.parse(receipt.at))).to.equal(false);

    const unknown = await http.get(`${url('s1')}/requests/never-sent-${SEED}`);
    expect(unknown.statusCode).to.equal(404);
    expect((JSON.parse(unknown.body) as { error: { code: string } }).error.code).to.be.a('string');
  });

  it('refuses the same key with a different amount or counter with 422, changing nothing', async () => {
    const otherAmount = await send('s1', key, name, (amount + 1n).toString());
    expect(otherAmount.statusCode, otherAmount.body).to.equal(422);
    const otherName = await send('s1', key, 'idem-other', amount.toString());
    expect(otherName.statusCode, otherName.body).to.equal(422);
    const all = await http.get(`${url('s2')}/counter/${name}/value?consistency=all`);
    expect(BigInt(all.body.trim())).to.equal(amount + 1n);
    const other = await http.get(`${url('s2')}/counter/idem-other/value?consistency=all`);
    expect(BigInt(other.body.trim())).to.equal(0n);
  });

  it('answers the key with the original answer after a kill -9 and restart, and counts it once', async function () {
    this.timeout(60_000);
    await cluster.kill('s1', 'SIGKILL');
    await cluster.restart('s1');
    const again = await send('s1', key, name, amount.toString());
    expect(again.statusCode, again.body).to.equal(200);
    expect(JSON.parse(again.body)).to.deep.equal(original);

    const receipt = await http.get(`${url('s1')}/requests/${key}`);
    expect(receipt.statusCode).to.equal(200);
    expect(JSON.parse(receipt.body)).to.include({ applied: true, slot: original?.slot, seq: original?.seq });

    await waitFor('every server to converge on the value', async () => (await cluster.values(name)).every((v) => v === amount + 1n), 20_000, 100);
    // And it stays there: nothing was counted twice behind the scenes.
    const later = await cluster.values(name);
    expect(later).to.deep.equal([amount + 1n, amount + 1n, amount + 1n]);
  });

  describe('through the TallyClient library', () => {
    let client: TallyClient;

    before(() => {
      client = new TallyClient({ balancer: cluster.balancer?.url, retries: 2, timeoutMs: 5000 });
    });

    after(() => {
      client?.close();
    });

    it('sends an Idempotency-Key with each increment, and the server keeps a receipt for it', async () => {
      const result = await client.increment('idem-lib', 3n);
      expect(result.key).to.be.a('string').and.not.equal('');
      const res = await http.get(`${result.server.url}/requests/${encodeURIComponent(result.key)}`);
      expect(res.statusCode, res.body).to.equal(200);
      const receipt = JSON.parse(res.body) as Receipt;
      expect(receipt).to.include({ key: result.key, applied: true, name: 'idem-lib', amount: '3', value: result.value.toString() });
      if (result.slot !== undefined) expect(receipt.slot).to.equal(result.slot);
      if (result.seq !== undefined) expect(receipt.seq).to.equal(result.seq);
      const second = await client.increment('idem-lib', 3n);
      expect(second.key).to.not.equal(result.key);
    });

    it('counts an increment repeated with the same key once', async () => {
      const clientKey = `lib-${SEED}`;
      const first = await client.increment('idem-lib-key', 9n, { key: clientKey });
      const second = await client.increment('idem-lib-key', 9n, { key: clientKey });
      expect(second.value).to.equal(first.value);
      expect(first.value).to.equal(9n);
      const read = await client.get('idem-lib-key', { consistency: 'all' });
      expect(read.value).to.equal(9n);
    });
  });
});
