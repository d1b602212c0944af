/**
 * The restart guarantee with `--store redis://…` against a real redis-server (no persistence of
 * its own: redis stays up, the tally servers are SIGKILLed). Three servers share one redis; their
 * keys are prefixed by server id.
 *
 * 1. Writes to the victim are drained before each SIGKILL, so every outcome is known and every
 *    server must end EXACTLY at the acked sum.
 * 2. Servers are SIGKILLed mid-write; every server must end within
 *    [acked + unknown decrements, acked + unknown increments], all agreeing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { expect } from 'chai';
import { Cluster, sleep, waitFor } from './harness.js';
import { WriteLoad, boundsOf, pick, readyLine, resolveUnknowns, settledValues, summarize } from './fault-load.js';
import { mulberry32, randInt } from './random.js';

const SEED = 20261122;
const PUBLISH_MS = 200;
const NAMES = ['redis-a', 'redis-b'] as const;
const ROUNDS = 6;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Sends inline commands to redis and resolves with one reply line per command (simple replies only). */
async function redisCommands(port: number, commands: string[], timeoutMs = 1000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let buffer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis did not answer ${commands.join('; ')} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      const lines = buffer.split('\r\n');
      if (lines.length > commands.length) {
        clearTimeout(timer);
        socket.end();
        resolve(lines.slice(0, commands.length));
      }
    });
    socket.write(commands.map((c) => `${c}\r\n`).join(''));
  });
}

describe(`the Redis store across SIGKILL + restart (real redis-server, seed ${SEED})`, function () {
  this.timeout(90_000);
  let redis: ChildProcess | undefined;
  let redisExited: Promise<unknown> | undefined;
  let port = 0;
  let cluster: Cluster | undefined;
  let load: WriteLoad | undefined;

  before(async function () {
    this.timeout(30_000);
    const bin = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));
    expect(bin, 'redis-server is installed (apt-get install -y redis-server)').to.be.a('string');
    port = await freePort();
    const child = spawn(bin as string, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    redis = child;
    redisExited = new Promise((resolve) => child.once('exit', resolve));
    child.stdout?.resume();
    child.stderr?.resume();
    await waitFor('redis-server answers PING', async () => (await redisCommands(port, ['PING']))[0] === '+PONG', 10_000, 100);
  });

  afterEach(async () => {
    await load?.stop();
    load = undefined;
    await cluster?.stopAll();
    cluster = undefined;
  });

  after(async () => {
    redis?.kill('SIGKILL');
    await Promise.race([redisExited, sleep(5000)]);
  });

  /** A 3-server cluster on redis db `db`, under `writers` concurrent writers. */
  async function startLoad(db: number, seed: number, timeoutMs: number, keyPrefix?: string): Promise<{ c: Cluster; w: WriteLoad }> {
    const c = await new Cluster({ servers: 3, publishIntervalMs: PUBLISH_MS, serverArgs: ['--store', `redis://127.0.0.1:${port}/${db}`] }).start();
    cluster = c;
    const w = new WriteLoad({ cluster: c, names: NAMES, writers: 4, seed, timeoutMs, maxAmount: 100, pauseMs: 10, maxRequestsPerWriter: 10_000, deadline: Date.now() + 60_000, ...(keyPrefix !== undefined && { keyPrefix }) });
    load = w;
    w.start();
    await sleep(300);
    return { c, w };
  }

  /** Stops the writers, waits for the cluster to settle, and returns the final values. */
  async function settle(c: Cluster, w: WriteLoad, db: number): Promise<Map<string, bigint[]>> {
    await w.stop();
    await c.waitAllReady();
    await sleep(2 * PUBLISH_MS);
    const values = await settledValues(c, NAMES, (vs) => NAMES.every((name) => {
      const b = boundsOf(w.records, name);
      const v = vs.get(name) ?? [];
      return v.length === 3 && v.every((x) => x === v[0] && x >= b.lower && x <= b.upper);
    }), 6000);
    console.log(`      ${summarize(w.records)}`);
    for (const name of NAMES) {
      const b = boundsOf(w.records, name);
      console.log(`      ${name}: acked sum ${b.acked}, bounds [${b.lower}, ${b.upper}], values ${values.get(name)?.join(', ')}`);
    }
    // The servers really used redis, not their --data-dir.
    const [, dbsize] = await redisCommands(port, [`SELECT ${db}`, 'DBSIZE']);
    expect(Number(dbsize?.slice(1)), `keys in redis db ${db}`).to.be.greaterThan(0);
    for (const id of c.servers.keys()) {
      const files = existsSync(c.dataDir(id)) ? readdirSync(c.dataDir(id)) : [];
      expect(files.filter((f) => f.startsWith('log-')), `embedded log files of ${id} with a redis store`).to.deep.equal([]);
    }
    return values;
  }

  it(`keeps exactly the acked sum on every server through ${ROUNDS} SIGKILL + restart rounds (writes to the victim drained first)`, async () => {
    const { c, w } = await startLoad(0, SEED, 5000);
    const rng = mulberry32(SEED);
    const ids = [...c.servers.keys()];
    const renewed: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const id = pick(rng, ids);
      await w.drain(id);
      const before = (await readyLine(c, id)).slot;
      await c.kill(id, 'SIGKILL');
      await sleep(randInt(rng, 50, 300));
      await c.restart(id);
      const after = await readyLine(c, id);
      if (!after.isContinued || after.slot !== before) renewed.push(`${id}: ${before} -> ${after.text}`);
      w.blocked.delete(id);
      await sleep(randInt(rng, 300, 800));
    }
    const values = await settle(c, w, 0);
    expect(w.records.filter((r) => r.outcome === 'acked').length, 'acknowledged writes').to.be.greaterThan(100);
    expect(w.malformed, '200 answers whose body is not an integer').to.equal(0);
    // Redis kept every acknowledged write, so each restart can prove its slot complete.
    expect(renewed, 'restarts that did not continue their slot').to.deep.equal([]);
    expect(w.records.filter((r) => r.outcome === 'unknown').map((r) => `${r.server} ${r.detail}`), 'outcomes unknown although no write was in flight at a kill').to.deep.equal([]);
    for (const name of NAMES) {
      const acked = boundsOf(w.records, name).acked;
      expect(values.get(name)?.map(String), `${name} on every server`).to.deep.equal([acked, acked, acked].map(String));
    }
  });

  it(`keeps every server within the acked bounds, all agreeing, when servers are SIGKILLed mid-write (${ROUNDS} rounds)`, async () => {
    const { c, w } = await startLoad(1, SEED + 1, 2000, `redis${SEED}`);
    const rng = mulberry32(SEED + 1);
    const ids = [...c.servers.keys()];
    const renewed: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const id = pick(rng, ids);
      w.blocked.add(id);
      const before = (await readyLine(c, id)).slot;
      await c.kill(id, 'SIGKILL');
      await sleep(randInt(rng, 50, 300));
      await c.restart(id);
      const after = await readyLine(c, id);
      if (!after.isContinued || after.slot !== before) renewed.push(`${id}: ${before} -> ${after.text}`);
      w.blocked.delete(id);
      await sleep(randInt(rng, 300, 800));
    }
    const values = await settle(c, w, 1);
    // Receipts (the writes carry Idempotency-Keys) settle what each unknown outcome did.
    const resolved = await resolveUnknowns(c, w.records, new Map());
    const resolutions = [...resolved.values()];
    console.log(`      receipts of unknown outcomes: applied=${resolutions.filter((r) => r === 'applied').length} not-applied=${resolutions.filter((r) => r === 'not-applied').length} unresolved=${resolutions.filter((r) => r === 'unresolved').length}`);
    expect(w.records.filter((r) => r.outcome === 'acked').length, 'acknowledged writes').to.be.greaterThan(100);
    expect(w.malformed, '200 answers whose body is not an integer').to.equal(0);
    // Redis kept every acknowledged write, so each restart can prove its slot complete.
    expect(renewed, 'restarts that did not continue their slot').to.deep.equal([]);
    for (const name of NAMES) {
      const b = boundsOf(w.records, name);
      const vs = values.get(name) ?? [];
      expect(vs, `${name} values`).to.have.length(3);
      expect(new Set(vs.map(String)).size, `${name} agrees on every server: ${vs.join(', ')}`).to.equal(1);
      for (const v of vs) {
        expect(v >= b.lower && v <= b.upper, `${name}: ${v} outside [${b.lower}, ${b.upper}] (acked sum ${b.acked})`).to.equal(true);
        if (b.counts.unknown === 0) expect(v).to.equal(b.acked);
        const tight = boundsOf(w.records, name, resolved);
        expect(v >= tight.lower && v <= tight.upper, `${name}: ${v} outside [${tight.lower}, ${tight.upper}] once receipts resolved unknown outcomes`).to.equal(true);
      }
    }
  });
});
