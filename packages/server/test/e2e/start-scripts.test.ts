/**
 * The start and stop scripts as a user runs them, in a temp run folder on a free base port:
 * fast failure with the config errors, starting only what is missing, restarting one server,
 * and stopping everything at once.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { REPO, isReady } from './harness.js';
import { mulberry32, randInt } from './random.js';

interface Run {
  code: number | null;
  output: string;
  ms: number;
}

/** Runs a repo script with the run folder and base port in its environment; killed after `timeoutMs`. */
function script(path: string, args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(REPO, path), ...args], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${path} ${args.join(' ')} still running after ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, ms: Date.now() - started });
    });
  });
}

const canListen = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });

/** A base port whose next `count` ports are free too (seeded, so a failing run replays). */
async function freeBase(count: number, seed: number): Promise<number> {
  const rand = mulberry32(seed);
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = randInt(rand, 20_000, 60_000);
    const free = await Promise.all(Array.from({ length: count + 1 }, (_, i) => canListen(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('no free run of ports found');
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('e2e: start and stop scripts', function () {
  this.timeout(90_000);
  const dir = mkdtempSync(join(tmpdir(), 'tally-scripts-'));
  const runDir = join(dir, 'run');
  let env: Record<string, string>;
  const pidOf = (name: string): number => Number(readFileSync(join(runDir, 'pids', `${name}.pid`), 'utf8').trim());
  const url = (i: number): string => `http://127.0.0.1:${Number(env.TALLY_BALANCER_PORT) + i}`;

  before(async () => {
    env = { TALLY_RUN_DIR: runDir, TALLY_BALANCER_PORT: String(await freeBase(3, process.pid)) };
  });
  after(async () => {
    await script('scripts/stopAllServers.sh', [], env).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails in under 5 s on a bad config, printing every config error', async () => {
    const bad = join(dir, 'bad.config.json');
    writeFileSync(bad, JSON.stringify({ secret: 'x', suspectAfter: 0, bogusKey: 1 }));
    const run = await script('startupAllServers.sh', ['2'], { ...env, TALLY_RUN_DIR: join(dir, 'bad-run'), TALLY_CONFIG: bad });
    expect(run.code, run.output).to.equal(2);
    expect(run.ms).to.be.lessThan(5000);
    expect(run.output).to.contain('balancer exited during start-up').and.contain("unknown key 'bogusKey'").and.contain('--suspect-after');
  });

  it('startupAllServers.sh 2 starts a balancer and two ready servers', async () => {
    const run = await script('startupAllServers.sh', ['2'], env);
    expect(run.code, run.output).to.equal(0);
    for (const i of [0, 1, 2]) expect(await isReady(url(i)), url(i)).to.equal(true);
  });

  it('startupAllServers.sh 3 while two run starts only s3', async () => {
    const before = ['balancer', 's1', 's2'].map(pidOf);
    const run = await script('startupAllServers.sh', ['3'], env);
    expect(run.code, run.output).to.equal(0);
    expect(['balancer', 's1', 's2'].map(pidOf)).to.deep.equal(before);
    expect(run.output).to.match(/server s1 .*already running/).and.match(/server s2 .*already running/).and.contain('(1 started now)');
    expect(await isReady(url(3))).to.equal(true);
  });

  it('startServer.sh s1 brings a SIGKILLed server back with the same flags, appending to its log', async () => {
    const old = pidOf('s1');
    process.kill(old, 'SIGKILL');
    const run = await script('scripts/startServer.sh', ['s1'], env);
    expect(run.code, run.output).to.equal(0);
    expect(pidOf('s1')).to.not.equal(old);
    expect(await isReady(url(1))).to.equal(true);
    const log = readFileSync(join(runDir, 'logs', 's1.log'), 'utf8');
    expect(log.match(/starting s1: .*--port \d+/g)).to.have.length(2);
  });

  it('startServer.sh prints the end of the log at once when the server exits during start-up', async () => {
    const run = await script('scripts/startServer.sh', ['s2'], { ...env, TALLY_FSYNC: 'sometimes' });
    expect(run.code, run.output).to.equal(2);
    expect(run.ms).to.be.lessThan(15_000);
    expect(run.output).to.contain('s2 exited during start-up').and.contain('--fsync');
    const again = await script('scripts/startServer.sh', ['s2'], env);
    expect(again.code, again.output).to.equal(0);
  });

  it('stopAllServers.sh stops every process at once', async () => {
    const pids = ['balancer', 's1', 's2', 's3'].map(pidOf);
    const run = await script('scripts/stopAllServers.sh', [], env);
    expect(run.code, run.output).to.equal(0);
    expect(run.output).to.contain('stopped 4 process(es)');
    expect(run.ms).to.be.lessThan(10_000);
    expect(pids.filter(isAlive)).to.deep.equal([]);
    expect(existsSync(join(runDir, 'pids', 's1.pid'))).to.equal(false);
  });
});
