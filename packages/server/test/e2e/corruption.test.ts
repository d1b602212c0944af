/**
 * A damaged embedded store: one server (plus a balancer, so it has no stray peers), N
 * acknowledged increments written one at a time (so each is exactly one line of
 * `log-<N>.ndjson`, `<crc32 hex> <json array of slot records>\n`), SIGKILL, damage the newest
 * log segment, restart.
 *
 * What is asserted, per damage:
 * - the server becomes ready and logs, at warn level or above, a line naming the segment, the
 *   word "cut" and the number of bytes it cut; the segment is truncated to its last good line;
 * - it starts a new incarnation (a store with cut data cannot prove it is complete);
 * - the value is EXACTLY the sum of the increments whose lines are intact: all N for bytes
 *   appended after the last line, the first N-1 when the last line itself was damaged (its
 *   increment lived only on this disk, so it is gone, and nothing else may be);
 * - increments after the restart count exactly, and survive one more SIGKILL + restart.
 */
import { appendFileSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { Cluster, http, waitFor } from './harness.js';
import { readyLine } from './fault-load.js';
import { mulberry32, randInt } from './random.js';

const SEED = 20261122;
const NAME = 'corrupt-me';
const N = 20;

interface Written {
  dir: string;
  file: string;
  data: Buffer;
  amounts: bigint[];
  sum: bigint;
  /** Byte offset where the last line starts. */
  lastStart: number;
}

async function post(url: string, amount: bigint): Promise<bigint> {
  const res = await http.post(`${url}/counter/${NAME}`, { body: amount.toString() });
  expect(res.statusCode, res.body).to.equal(200);
  return BigInt(res.body);
}

async function value(url: string): Promise<bigint> {
  const res = await http.get(`${url}/counter/${NAME}/value`);
  expect(res.statusCode, res.body).to.equal(200);
  return BigInt(res.body);
}

function amountsFrom(seed: number, count: number): bigint[] {
  const rng = mulberry32(seed);
  return Array.from({ length: count }, () => {
    const a = randInt(rng, -20, 49);
    return BigInt(a >= 0 ? a + 1 : a);
  });
}

function newestSegment(dir: string): string {
  const numbers = readdirSync(dir).map((f) => /^log-([0-9]+)\.ndjson$/.exec(f)?.[1]).filter((n): n is string => n !== undefined).map(Number);
  expect(numbers, `log segments in ${dir}`).to.not.be.empty;
  return join(dir, `log-${Math.max(...numbers)}.ndjson`);
}

/** The p - n of NAME's record in the line at [start, end). */
function lineValue(data: Buffer, start: number, end: number): bigint {
  const text = data.toString('utf8', start, end);
  expect(text, 'log line framing').to.match(/^[0-9a-f]{8} \[/);
  const records = JSON.parse(text.slice(9)) as Array<{ name: string; p: string; n: string }>;
  const record = records.find((r) => r.name === NAME);
  expect(record, `a ${NAME} record in ${text}`).to.not.equal(undefined);
  return BigInt(record?.p ?? '0') - BigInt(record?.n ?? '0');
}

/** Waits for the warn-or-worse log line that reports the cut, and returns it. */
async function cutReport(cluster: Cluster, file: string): Promise<string> {
  const base = file.slice(file.lastIndexOf('/') + 1);
  let found = '';
  await waitFor(`a warning that ${base} was cut`, () => {
    for (const line of cluster.server('s1').output.join('').split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const entry = JSON.parse(line) as { level?: number };
        if ((entry.level ?? 0) >= 40 && line.includes(base) && /\bcut\b/.test(line)) {
          found = line;
          return true;
        }
      } catch {
        // not a whole JSON log line
      }
    }
    return false;
  }, 5000);
  return found;
}

describe('a damaged embedded log', function () {
  this.timeout(60_000);
  let cluster: Cluster | undefined;

  afterEach(async () => {
    await cluster?.stopAll();
    cluster = undefined;
  });

  /** Starts a 1-server cluster, writes N increments (each answer checked), SIGKILLs it. */
  async function writeThenKill(seed: number): Promise<Written> {
    const c = await new Cluster({ servers: 1, fsync: 'always' }).start();
    cluster = c;
    const url = c.server('s1').url;
    const amounts = amountsFrom(seed, N);
    let sum = 0n;
    for (const amount of amounts) {
      sum += amount;
      expect(await post(url, amount), 'answer of a sequential increment').to.equal(sum);
    }
    await c.kill('s1', 'SIGKILL');
    const dir = c.dataDir('s1');
    const file = newestSegment(dir);
    const data = readFileSync(file);
    expect(data.at(-1), `${file} ends with a newline`).to.equal(0x0a);
    const lastStart = data.lastIndexOf(0x0a, data.length - 2) + 1;
    expect(lastStart, 'the log holds at least two lines').to.be.greaterThan(0);
    const previousStart = data.lastIndexOf(0x0a, lastStart - 2) + 1;
    // The layout this test relies on: the last line holds the total, the one before it the total
    // without the last increment (records carry absolute p and n).
    expect(lineValue(data, lastStart, data.length - 1), 'last line').to.equal(sum);
    expect(lineValue(data, previousStart, lastStart - 1), 'line before the last').to.equal(sum - (amounts.at(-1) as bigint));
    return { dir, file, data, amounts, sum, lastStart };
  }

  /** Restarts s1 and checks the report, the truncation, the new incarnation and the value. */
  async function restartAndCheck(w: Written, cutBytes: number, goodBytes: number, expected: bigint): Promise<void> {
    const c = cluster as Cluster;
    const oldSlot = (await readyLine(c, 's1')).slot;
    await c.restart('s1');
    const report = await cutReport(c, w.file);
    expect(report, 'the warning names how many bytes were cut').to.match(new RegExp(`\\b${cutBytes}\\b`));
    expect(statSync(w.file).size, `${w.file} truncated to its last good line`).to.equal(goodBytes);
    const ready = await readyLine(c, 's1');
    expect(ready.isContinued, `after a cut: ${ready.text}`).to.equal(false);
    expect(ready.slot).to.not.equal(oldSlot);
    const url = c.server('s1').url;
    expect(await value(url), 'value after the repair').to.equal(expected);

    // New increments count exactly, on the new slot.
    const more = amountsFrom(SEED + 1, 10);
    let total = expected;
    for (const amount of more) {
      total += amount;
      expect(await post(url, amount), 'answer after the repair').to.equal(total);
    }
    // And survive an undamaged SIGKILL + restart, which now continues the (complete) slot.
    await c.kill('s1', 'SIGKILL');
    await c.restart('s1');
    const again = await readyLine(c, 's1');
    expect(again.isContinued, `after an undamaged restart: ${again.text}`).to.equal(true);
    expect(again.slot).to.equal(ready.slot);
    expect(await value(c.server('s1').url), 'value after a second, undamaged restart').to.equal(total);
  }

  it('cuts a last line truncated mid-way and keeps exactly the first N-1 increments', async () => {
    const w = await writeThenKill(SEED);
    const cutAt = w.lastStart + Math.floor((w.data.length - w.lastStart) / 2);
    truncateSync(w.file, cutAt);
    await restartAndCheck(w, cutAt - w.lastStart, w.lastStart, w.sum - (w.amounts.at(-1) as bigint));
  });

  it('cuts a last line whose checksum no longer matches (one byte flipped) and keeps exactly the first N-1 increments', async () => {
    const w = await writeThenKill(SEED + 2);
    const damaged = Buffer.from(w.data);
    // A digit of the JSON's p or n field would still parse: the checksum must catch it.
    const at = damaged.lastIndexOf(Buffer.from('"p":"'), damaged.length - 1) + 5;
    expect(at, 'a "p" field in the last line').to.be.greaterThan(w.lastStart);
    damaged[at] = damaged[at] === 0x39 ? 0x38 : 0x39;
    writeFileSync(w.file, damaged);
    await restartAndCheck(w, w.data.length - w.lastStart, w.lastStart, w.sum - (w.amounts.at(-1) as bigint));
  });

  it('cuts garbage bytes appended after the last line and keeps all N increments', async () => {
    const w = await writeThenKill(SEED + 3);
    const garbage = Buffer.from([0x00, 0xff, 0x13, ...Buffer.from('garbage, no newline {"p":"1000"')]);
    appendFileSync(w.file, garbage);
    await restartAndCheck(w, garbage.length, w.data.length, w.sum);
  });

  it('cuts an appended line that looks like a record but fails its checksum, and does not count it', async () => {
    const w = await writeThenKill(SEED + 4);
    const bogus = Buffer.from(`00000000 [{"name":"${NAME}","slot":"s1:1","p":"1000000","n":"0"}]\n`);
    appendFileSync(w.file, bogus);
    await restartAndCheck(w, bogus.length, w.data.length, w.sum);
  });
});
