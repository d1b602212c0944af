import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { Repl, MAX_HISTORY } from '../src/repl.js';
import { TallyClient } from '../src/tally-client.js';
import { at, startCluster, type FakeCluster } from './helpers/cluster.js';
import { waitFor } from './helpers/http-fake.js';

/** A REPL over PassThrough streams, with everything it printed collected in `text()`. */
function startRepl(client: TallyClient, extra: { historyFile?: string; json?: boolean; isTerminal?: boolean } = {}) {
  const input = new PassThrough();
  // A terminal output makes readline handle keys (Ctrl-C as a key) and redraw lines.
  const output = Object.assign(new PassThrough(), { isTTY: extra.isTerminal === true, columns: 120 });
  delete extra.isTerminal;
  let printed = '';
  output.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
  const exits: number[] = [];
  const repl = new Repl({ input, output, client, onExit: (code) => exits.push(code), ...extra });
  const done = repl.start();
  // Terminal mode adds cursor moves and line clears; `text` leaves them out.
  return { repl, input, exits, done, text: () => printed.replace(/\x1b\[[0-9;]*[A-Za-z]/g, ''), raw: () => printed };
}

describe('Repl#start()', () => {
  let cluster: FakeCluster;
  let client: TallyClient;
  let dir: string;

  beforeEach(async () => {
    cluster = await startCluster(['s1']);
    client = new TallyClient({ balancer: cluster.balancer.url, timeoutMs: 300, retryDelayMs: 5 });
    dir = await mkdtemp(join(tmpdir(), 'tally-repl-'));
  });
  afterEach(async () => {
    client.close();
    await cluster.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('evaluates typed lines, shows the server in the prompt, and quit calls onExit(0)', async () => {
    const r = startRepl(client);
    await waitFor(() => r.text().endsWith('tally> '), 2000, 'first prompt');
    r.input.write('inc pageviews 41\ninc pageviews\n');
    await waitFor(() => r.text().includes('pageviews = 42'), 2000, 'second result');
    expect(r.text()).to.contain('pageviews = 41\ntally(s1)> ');
    r.input.write('quit\n');
    await r.done;
    expect(r.exits).to.deep.equal([0]);
  });

  it('ignores blank lines and keeps going after an error', async () => {
    const r = startRepl(client);
    r.input.write('\n   \nbogus\nget nothing\nquit\n');
    await r.done;
    expect(r.text().match(/error: .*/g)).to.deep.equal(["error: unknown command 'bogus'; type help for the list"]);
    expect(r.text()).to.contain('nothing = 0');
    expect(r.repl.history).to.deep.equal(['bogus', 'get nothing', 'quit']);
  });

  it('in a terminal, Ctrl-C drops the half-typed line and the shell goes on', async () => {
    const r = startRepl(client, { isTerminal: true });
    await waitFor(() => r.text().endsWith('tally> '), 2000, 'first prompt');
    r.input.write('inc x 5');
    r.input.write('\x03');
    await waitFor(() => r.text().includes('inc x 5^C'), 2000, 'the ^C mark');
    r.input.write('get x\r');
    await waitFor(() => r.text().includes('x = 0'), 2000, 'the read');
    expect(r.exits).to.deep.equal([]);
    expect(at(cluster.servers, 0).value('x')).to.equal(0n);
    r.input.write('quit\r');
    await r.done;
  });

  it('in a terminal, Ctrl-C cancels the command in flight and prompts again', async () => {
    const r = startRepl(client, { isTerminal: true });
    await waitFor(() => r.text().endsWith('tally> '), 2000, 'first prompt');
    r.input.write('watch w\r');
    await waitFor(() => r.text().includes('w = 0'), 2000, 'the watch');
    r.input.write('\x03');
    await waitFor(() => /w = 0\n.*tally\(s1\)> $/s.test(r.text()), 2000, 'the prompt after the watch');
    expect(r.exits).to.deep.equal([]);
    r.input.write('quit\r');
    await r.done;
  });

  it('in a terminal, prints a late line above the prompt and redraws the half-typed line', async () => {
    const r = startRepl(client, { isTerminal: true });
    await waitFor(() => r.text().endsWith('tally> '), 2000, 'first prompt');
    r.input.write('get pa');
    await waitFor(() => r.text().endsWith('get pa'), 2000, 'the typed text');
    r.repl.print('late news');
    expect(r.text()).to.match(/late news\ntally> get pa$/);
    r.input.write('\x03quit\r');
    await r.done;
  });

  it('calls onExit(0) once at the end of input (Ctrl-D)', async () => {
    const r = startRepl(client);
    r.input.end('get x\n');
    await r.done;
    expect(r.text()).to.contain('x = 0');
    expect(r.exits).to.deep.equal([0]);
  });

  it('prints JSON lines in JSON mode', async () => {
    const r = startRepl(client, { json: true });
    r.input.end('inc x 3\n');
    await r.done;
    expect(r.text()).to.match(/\{"name":"x","value":"3","server":"s1"/);
  });

  it('loads the history file and keeps it at the last 1000 lines', async () => {
    const historyFile = join(dir, 'history');
    const old = Array.from({ length: MAX_HISTORY + 200 }, (_, i) => `get c${i}`);
    await writeFile(historyFile, `${old.join('\n')}\n`);
    const r = startRepl(client, { historyFile });
    r.input.end('inc fresh\n');
    await r.done;
    const saved = (await readFile(historyFile, 'utf8')).trimEnd().split('\n');
    expect(saved).to.have.length(MAX_HISTORY);
    expect(saved.at(-1)).to.equal('inc fresh');
    expect(saved[0]).to.equal('get c201');
    expect(r.repl.history).to.deep.equal(saved);
  });

  it('creates the history file, without repeating a line just entered', async () => {
    const historyFile = join(dir, 'new-history');
    const r = startRepl(client, { historyFile });
    r.input.end('help\nhelp\nservers\n');
    await r.done;
    expect(await readFile(historyFile, 'utf8')).to.equal('help\nservers\n');
  });
});
