/**
 * The real `tally` CLI against a real cluster (balancer + 2 servers): one-shot commands, their
 * output and exit codes, and the REPL driven through stdin.
 */
import { spawn } from 'node:child_process';
import { expect } from 'chai';
import { BIN, Cluster, REPO, killAll } from './harness.js';
import { waitConverged } from './counter-calls.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `tally ARGS` to completion (killed after `timeoutMs`), feeding `input` on stdin. */
function tally(args: string[], input = '', timeoutMs = 15_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, TALLY_HISTORY: '' };
    delete env.TALLY_BALANCER;
    const child = spawn(process.execPath, [BIN.client, ...args], { cwd: REPO, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tally ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l.trim() !== '');

describe('e2e: tally CLI (balancer + 2 servers)', function () {
  this.timeout(30_000);
  let cluster: Cluster;
  let balancer: string;

  before(async function () {
    this.timeout(60_000);
    cluster = await new Cluster({ servers: 2 }).start();
    balancer = cluster.balancer?.url ?? '';
  });

  after(async () => {
    await cluster?.stopAll();
  });

  it('inc prints the new value and exits 0', async () => {
    const run = await tally(['--balancer', balancer, 'inc', 'pageviews', '5']);
    expect(run.code, run.stderr).to.equal(0);
    expect(lines(run.stdout)).to.have.length(1);
    expect(run.stdout).to.match(/\b5\b/);
    expect(run.stdout).to.include('pageviews');
  });

  it('items add and items count work as 000\'s workflow: a repeated id counts once', async () => {
    const add = await tally(['--balancer', balancer, 'items', 'add', 'tenant1', 'item1', 'item2', 'item3', 'item1']);
    expect(add.code, add.stderr).to.equal(0);
    expect(add.stdout.trim()).to.equal('tenant1: 3 added, 1 duplicates');
    const count = await tally(['--balancer', balancer, '--json', 'items', 'count', 'tenant1', '--consistency', 'all']);
    expect(count.code, count.stderr).to.equal(0);
    expect(JSON.parse(count.stdout)).to.include({ tenant: 'tenant1', count: 3 });
    const bad = await tally(['--balancer', balancer, 'items', 'add', 'bad tenant', 'x']);
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.include('tenant must be');
  });

  it('inc --json prints one JSON object whose value is the string "5"', async () => {
    const run = await tally(['--balancer', balancer, '--json', 'inc', 'jsonviews', '5']);
    expect(run.code, run.stderr).to.equal(0);
    expect(lines(run.stdout)).to.have.length(1);
    const out = JSON.parse(run.stdout) as { name?: unknown; value?: unknown; server?: unknown };
    expect(out.value).to.equal('5');
    expect(out.name).to.equal('jsonviews');
    expect(out.server).to.be.oneOf(['s1', 's2']);
  });

  it('get reads the value from any server once it converged', async () => {
    await waitConverged(cluster, 'pageviews', 5n, 5000);
    // Fresh processes get random client ids, so these reads land on either server.
    for (let i = 0; i < 3; i++) {
      const run = await tally(['--balancer', balancer, 'get', 'pageviews']);
      expect(run.code, run.stderr).to.equal(0);
      expect(lines(run.stdout)).to.deep.equal(['pageviews = 5']);
    }
    const json = await tally(['--balancer', balancer, '--json', 'get', 'pageviews']);
    expect(JSON.parse(json.stdout)).to.include({ name: 'pageviews', value: '5' });
  });

  it('dec subtracts and prints the new value', async () => {
    const server = cluster.server('s1').url;
    const run = await tally(['--server', server, 'dec', 'pageviews', '2']);
    expect(run.code, run.stderr).to.equal(0);
    expect(lines(run.stdout)).to.deep.equal(['pageviews = 3']);
    const one = await tally(['--server', server, 'dec', 'pageviews']);
    expect(lines(one.stdout)).to.deep.equal(['pageviews = 2']);
    await waitConverged(cluster, 'pageviews', 2n, 5000);
  });

  it('exits 1 with one error line and no stack trace on a bad name', async () => {
    for (const args of [['inc', 'bad name!', '1'], ['get', '--', '-leading'], ['inc', 'ok', '1.5']]) {
      const run = await tally(['--balancer', balancer, ...args]);
      expect(run.code, `tally ${args.join(' ')}`).to.equal(1);
      expect(run.stdout, 'stdout').to.equal('');
      const errLines = lines(run.stderr);
      expect(errLines, run.stderr).to.have.length(1);
      expect(errLines[0]).to.match(/^error: /);
      expect(run.stderr).to.not.match(/\n\s+at /);
    }
    const run = await tally(['--balancer', balancer, 'inc', 'bad name!', '1']);
    expect(run.stderr).to.include('counter name');
  });

  it('servers lists both servers with their ids and status', async () => {
    const run = await tally(['--balancer', balancer, 'servers']);
    expect(run.code, run.stderr).to.equal(0);
    const rows = lines(run.stdout);
    expect(rows).to.have.length(2);
    expect(rows[0]).to.match(/\bs1\b.*ready.*http:\/\/127\.0\.0\.1:/);
    expect(rows[1]).to.match(/\bs2\b.*ready.*http:\/\/127\.0\.0\.1:/);
    const json = await tally(['--balancer', balancer, '--json', 'servers']);
    const list = JSON.parse(json.stdout) as Array<{ id: string }>;
    expect(list.map((s) => s.id)).to.deep.equal(['s1', 's2']);
  });

  it('runs a REPL session from stdin: inc, get, servers, quit, and exits 0', async () => {
    const run = await tally(['--balancer', balancer, 'repl'], 'inc a 2\nget a\nservers\nquit\n');
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stderr).to.equal('');
    // Prompts share lines with the answers when stdout is not a terminal; strip them.
    const out = lines(run.stdout.replace(/tally(\([^)]*\))?> /g, ''));
    const [banner, ...rest] = out;
    expect(banner).to.match(/help/);
    expect(rest.slice(0, 2)).to.deep.equal(['a = 2', 'a = 2']);
    const servers = rest.slice(2);
    expect(servers, run.stdout).to.have.length(2);
    expect(servers.join('\n')).to.match(/\bs1\b/).and.to.match(/\bs2\b/);
    // The REPL marks the server it used for `inc a 2` with `*`.
    expect(servers.filter((s) => s.startsWith('*'))).to.have.length(1);
  });

  it('ends the REPL with exit code 0 at end of input and keeps going after an error', async () => {
    const run = await tally(['--balancer', balancer], 'inc b 1\ninc -bad 1\nbogus\nget b\n');
    expect(run.code, run.stderr).to.equal(0);
    const out = lines(run.stdout.replace(/tally(\([^)]*\))?> /g, ''));
    expect(out.filter((l) => l.startsWith('error: '))).to.have.length(2);
    expect(out.filter((l) => l === 'b = 1')).to.have.length(2);
    expect(run.stdout).to.not.match(/\n\s+at /);
  });
});

after(() => killAll());
