/**
 * The built `tally` binary, spawned as a user would run it, against fake servers in this process.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { COUNTER_NAME_RULE } from '@tally/core';
import { at, startCluster, type FakeCluster } from './helpers/cluster.js';

const PACKAGE = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(PACKAGE, 'bin', 'tally.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with a hard deadline, so a hung child fails the test instead of hanging it. */
function tally(args: string[], options: { input?: string; env?: Record<string, string>; deadlineMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, TALLY_BALANCER: 'http://127.0.0.1:9', TALLY_HISTORY: '', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tally ${args.join(' ')} still running after ${options.deadlineMs ?? 10_000}ms; stderr: ${stderr}`));
    }, options.deadlineMs ?? 10_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Builds dist/ when a source file is newer than it, so the spawned binary is the code under test. */
async function buildIfStale(): Promise<void> {
  const built = await stat(join(PACKAGE, 'dist', 'main.js')).catch(() => undefined);
  const sources = await readdir(join(PACKAGE, 'src'));
  const times = await Promise.all(sources.map(async (f) => (await stat(join(PACKAGE, 'src', f))).mtimeMs));
  if (built !== undefined && Math.max(...times) <= built.mtimeMs) return;
  const tsc = spawnSync('npx', ['tsc', '-b', PACKAGE], { cwd: PACKAGE, encoding: 'utf8', timeout: 120_000 });
  if (tsc.status !== 0) throw new Error(`build failed: ${tsc.stdout}${tsc.stderr}`);
}

describe('tally (the built CLI)', function () {
  this.timeout(30_000);
  let cluster: FakeCluster;
  let url: string;

  before(buildIfStale);
  beforeEach(async () => {
    cluster = await startCluster(['s1']);
    url = at(cluster.servers, 0).url;
  });
  afterEach(() => cluster.close());

  it('increments one-shot and prints the value as JSON, exiting 0', async () => {
    const run = await tally(['--server', url, 'inc', 'x', '5', '--json']);
    expect(run.code).to.equal(0);
    expect(run.stderr).to.equal('');
    expect(JSON.parse(run.stdout)).to.include({ name: 'x', value: '5', slot: 's1:1' });
    expect(at(cluster.servers, 0).value('x')).to.equal(5n);
  });

  it('decrements and reads in human form through the balancer', async () => {
    await tally(['--balancer', cluster.balancer.url, 'inc', 'x', '10']);
    const dec = await tally(['dec', 'x', '4'], { env: { TALLY_BALANCER: cluster.balancer.url } });
    expect([dec.code, dec.stdout]).to.deep.equal([0, 'x = 6\n']);
    const get = await tally(['--balancer', cluster.balancer.url, 'get', 'x', '--consistency', 'local']);
    expect([get.code, get.stdout]).to.deep.equal([0, 'x = 6\n']);
  });

  it('lists the servers', async () => {
    const run = await tally(['--balancer', cluster.balancer.url, 'servers']);
    expect(run.code).to.equal(0);
    expect(run.stdout).to.match(/^ {2}s1 +ready +http:\/\/127\.0\.0\.1:\d+\n$/);
  });

  it('exits 1 with one error line on a bad counter name, sending nothing', async () => {
    const run = await tally(['--server', url, 'inc', 'no/slashes']);
    expect(run.code).to.equal(1);
    expect(run.stderr).to.equal(`error: ${COUNTER_NAME_RULE}, got 'no/slashes'\n`);
    expect(run.stdout).to.equal('');
    expect(at(cluster.servers, 0).requests).to.have.length(0);
  });

  it("exits 1 with the server's message when it rejects the request", async () => {
    at(cluster.servers, 0).script.push({ status: 400, code: 'bad_counter_name', message: 'the server refuses counter x' });
    const run = await tally(['--server', url, 'inc', 'x']);
    expect([run.code, run.stderr]).to.deep.equal([1, 'error: the server refuses counter x\n']);
  });

  it('exits 3 with "outcome unknown" when the server hangs', async () => {
    at(cluster.servers, 0).script.push('hang', 'hang', 'hang', 'hang');
    const run = await tally(['--server', url, '--timeout-ms', '200', 'inc', 'x', '5']);
    expect(run.code).to.equal(3);
    expect(run.stderr).to.match(/^error: outcome unknown: .*Idempotency-Key [0-9a-f-]{36}.*\n$/);
    expect(run.stderr.split('\n')).to.have.length(2);
  });

  it('with --json, prints an unknown outcome as JSON on stdout, key included, so scripts can settle it', async () => {
    at(cluster.servers, 0).script.push('hang', 'hang', 'hang', 'hang');
    const run = await tally(['--server', url, '--timeout-ms', '200', '--json', 'inc', 'x', '5', '--key', 'settle-me']);
    expect(run.code).to.equal(3);
    const parsed = JSON.parse(run.stdout) as { error: Record<string, unknown> };
    expect(parsed.error).to.include({ code: 'outcome_unknown', key: 'settle-me', counter: 'x', amount: '5' });
  });

  it('exits 4 on a level timeout, printing the best value', async () => {
    at(cluster.servers, 0).script.push('level-timeout');
    const run = await tally(['--server', url, '--json', 'inc', 'x', '2', '--wait', '2']);
    expect(run.code).to.equal(4);
    expect(JSON.parse(run.stdout)).to.include({ name: 'x', value: '2', applied: true, timeout: true });
    expect(run.stderr).to.match(/^error: wait level 2 not reached.*the increment is applied/);
  });

  it('exits 1 on a usage error', async () => {
    const run = await tally(['inc']);
    expect(run.code).to.equal(1);
    expect(run.stderr).to.contain("error: missing required argument 'name'");
  });

  it('runs the REPL when no command is given, saving history to TALLY_HISTORY', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tally-cli-'));
    try {
      const history = join(dir, 'history');
      const run = await tally(['--server', url], { input: 'inc x 2\nget x\nquit\n', env: { TALLY_HISTORY: history } });
      expect(run.code).to.equal(0);
      expect(run.stdout).to.contain('x = 2\n');
      expect(await readFile(history, 'utf8')).to.equal('inc x 2\nget x\nquit\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
