/**
 * Convergence of real processes: many concurrent increments of any size, spread over three
 * servers, end with every server reporting the exact BigInt sum soon after the last answer.
 */
import { expect } from 'chai';
import { Cluster, http, killAll } from './harness.js';
import { inc, randomBigInt, runBounded, waitConverged } from './counter-calls.js';
import { mulberry32 } from './random.js';

const SEED = 20261122;
const PUBLISH_INTERVAL_MS = 200;
const INCREMENTS = 1000;
const IN_FLIGHT = 50;
// The design says a write reaches every peer within publishIntervalMs plus a round trip; we
// allow two intervals, plus 300 ms of slack for CI scheduling (2 cores running 4 node processes).
const CONVERGENCE_BUDGET_MS = 2 * PUBLISH_INTERVAL_MS + 300;

describe('e2e: convergence (balancer + 3 servers, publishIntervalMs 200)', function () {
  this.timeout(60_000);
  let cluster: Cluster;

  before(async function () {
    this.timeout(60_000);
    cluster = await new Cluster({ servers: 3, publishIntervalMs: PUBLISH_INTERVAL_MS }).start();
  });

  after(async () => {
    await cluster?.stopAll();
  });

  it(`converges on the exact sum of 1,000 concurrent increments up to 2^62 within 2 publish intervals (seed ${SEED})`, async () => {
    const rand = mulberry32(SEED);
    const amounts = Array.from({ length: INCREMENTS }, () => {
      const size = randomBigInt(rand, 1 + Math.floor(rand() * 62));
      return rand() < 0.5 ? -size : size;
    });
    const urls = cluster.urls();
    let acked = 0n;
    let lastAckAt = 0;
    const failures: string[] = [];
    const started = Date.now();
    await runBounded(INCREMENTS, IN_FLIGHT, async (i) => {
      const amount = amounts[i] as bigint;
      const url = urls[i % urls.length] as string;
      try {
        const res = await inc(url, 'conv', amount);
        if (res.status === 200) {
          acked += amount;
          lastAckAt = Date.now();
        } else {
          failures.push(`#${i} ${amount} on ${url}: ${res.status} ${res.body}`);
        }
      } catch (err) {
        failures.push(`#${i} ${amount} on ${url}: ${(err as Error).message}`);
      }
    });
    const writeMs = Date.now() - started;
    expect(failures, `unacknowledged increments:\n${failures.slice(0, 10).join('\n')}`).to.deep.equal([]);
    const expected = amounts.reduce((a, b) => a + b, 0n);
    expect(acked).to.equal(expected);

    const remaining = CONVERGENCE_BUDGET_MS - (Date.now() - lastAckAt);
    const tookMs = await waitConverged(cluster, 'conv', expected, Math.max(0, remaining), 10);
    const sinceLastAck = Date.now() - lastAckAt;
    console.log(`      ${INCREMENTS} increments in ${writeMs} ms; every server showed ${expected} ${sinceLastAck} ms after the last ack (polled ${tookMs} ms; budget ${CONVERGENCE_BUDGET_MS} ms)`);
    expect(sinceLastAck).to.be.at.most(CONVERGENCE_BUDGET_MS + 100); // + the duration of the last poll
  });

  it('keeps full precision for JSON amounts near 2^63-1', async () => {
    const max = (1n << 63n) - 1n;
    const [a, b, c] = cluster.urls() as [string, string, string];
    const post = async (url: string, body: string): Promise<{ status: number; value: string }> => {
      const res = await http.post(`${url}/counter/bigjson`, {
        body,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
      });
      const parsed = JSON.parse(res.body) as { value?: string };
      return { status: res.statusCode, value: String(parsed.value) };
    };
    // A raw JSON number: JSON.parse would round this to 9223372036854775808.
    expect(await post(a, `{"amount": ${max}}`)).to.deep.equal({ status: 200, value: max.toString() });
    expect(await post(b, `{"amount": ${max - 1n}}`)).to.include({ status: 200 });
    expect(await post(c, `{"amount": "-${max}"}`)).to.include({ status: 200 });
    expect(await post(a, `{"amount": -${max - 2n}}`)).to.include({ status: 200 });
    const expected = max + (max - 1n) - max - (max - 2n);
    expect(expected).to.equal(1n);
    await waitConverged(cluster, 'bigjson', expected, 5000);
    // One more on top: the sum passes 2^63 and stays exact.
    const sum = await post(b, `{"amount": ${max}}`);
    expect(sum).to.deep.equal({ status: 200, value: (expected + max).toString() });
    await waitConverged(cluster, 'bigjson', expected + max, 5000);
    const json = await http.get(`${c}/counter/bigjson/value`, { headers: { accept: 'application/json' } });
    expect(json.body).to.include(`"${(expected + max).toString()}"`);
  });
});

after(() => killAll());
