/**
 * The real `tally` shell in a real pseudo-terminal (tmux), against a real balancer and 2 servers:
 * what Ctrl-C does, `watch`, `list`, and how soon a stalled server is reported.
 */
import { expect } from 'chai';
import { BIN, Cluster, REPO, http, sleep } from './harness.js';
import { Terminal } from './terminal.js';

const PROMPT = /tally(\([^)]*\))?>\s*$/;

describe('e2e: tally shell in a terminal (balancer + 2 servers)', function () {
  this.timeout(40_000);
  let cluster: Cluster;
  let terminal: Terminal | undefined;
  const stopped: number[] = [];

  before(async function () {
    this.timeout(60_000);
    cluster = await new Cluster({ servers: 2 }).start();
  });
  after(async () => {
    await cluster?.stopAll();
  });
  afterEach(async () => {
    for (const pid of stopped.splice(0)) process.kill(pid, 'SIGCONT');
    await terminal?.close();
    terminal = undefined;
  });

  /** Starts the shell and waits for its first prompt. */
  async function shell(...args: string[]): Promise<Terminal> {
    terminal = await Terminal.start([process.execPath, BIN.client, '--balancer', cluster.balancer?.url ?? '', ...args], { TALLY_HISTORY: '', TALLY_BALANCER: null, PWD: REPO });
    await terminal.waitFor(PROMPT);
    return terminal;
  }

  async function enter(t: Terminal, line: string, expected: RegExp, timeoutMs?: number): Promise<number> {
    await t.type(line);
    await t.press('Enter');
    return t.waitFor(expected, timeoutMs);
  }

  /** Stalls a server (SIGSTOP) until the end of the test. */
  function stall(id: string): void {
    const pid = cluster.server(id).child.pid ?? 0;
    process.kill(pid, 'SIGSTOP');
    stopped.push(pid);
  }

  it('Ctrl-C drops the half-typed line, and the shell goes on', async () => {
    const t = await shell();
    await t.type('inc ptyclear 5');
    await t.press('C-c');
    await t.waitFor(/inc ptyclear 5\^C\n.*tally(\([^)]*\))?>\s*$/);
    await enter(t, 'get ptyclear', /ptyclear = 0\n/);
    expect(await cluster.values('ptyclear')).to.deep.equal([0n, 0n]);
    expect(await t.screen()).to.not.contain('usage');
  });

  it('Ctrl-C cancels the request in flight at once, without leaving the shell', async () => {
    const t = await shell();
    await enter(t, 'use s1', /using s1 /);
    stall('s1');
    await t.type('get ptycancel');
    await t.press('Enter');
    await sleep(500);
    await t.press('C-c');
    const took = await t.waitFor(/error: cancelled\n/, 3000);
    expect(took).to.be.lessThan(1500);
    process.kill(stopped.pop() ?? 0, 'SIGCONT');
    await enter(t, 'get ptycancel', /ptycancel = 0\n.*>\s*$/);
  });

  it('watch prints the value and each change until Ctrl-C, then the prompt comes back', async () => {
    const t = await shell();
    await enter(t, 'watch ptywatch', /ptywatch = 0\n/);
    const s1 = cluster.server('s1').url;
    await http.post(`${s1}/counter/ptywatch`, { body: '2' });
    await t.waitFor(/ptywatch = 2\n/);
    await http.post(`${s1}/counter/ptywatch`, { body: '3' });
    await t.waitFor(/ptywatch = 5\n/);
    await t.press('C-c');
    await t.waitFor(/ptywatch = 5\n.*>\s*$/);
    await enter(t, 'inc ptywatch', /ptywatch = 6\n/);
    expect((await t.screen()).match(/ptywatch = 6/g)).to.have.length(1);
  });

  it('list shows every counter with the prefix and its value', async () => {
    const s2 = cluster.server('s2').url;
    await http.post(`${s2}/counter/ptylist.a`, { body: '1' });
    await http.post(`${s2}/counter/ptylist.b`, { body: '22' });
    const t = await shell('--server', s2.replace('http://', ''));
    await enter(t, 'list ptylist.', /ptylist\.a = 1\s*\nptylist\.b = 22\n/);
  });

  it('reports a stalled server within about 6 s', async () => {
    const t = await shell('--server', cluster.server('s2').url);
    stall('s2');
    const took = await enter(t, 'get ptystall', /error: cannot read 'ptystall'.*\n/s, 10_000);
    expect(took, "ms from Enter to the error on screen").to.be.lessThan(6500);
    expect(await t.screen()).to.match(PROMPT);
  });
});
