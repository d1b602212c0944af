import { expect } from 'chai';
import { evaluate, parseLine, type CommandClient } from '../src/commands.js';
import { OutcomeUnknownError, TimeoutLevelError } from '../src/errors.js';
import { TallyClient } from '../src/tally-client.js';
import { at, startCluster, type FakeCluster } from './helpers/cluster.js';
import { waitFor } from './helpers/http-fake.js';

describe('parseLine()', () => {
  it('parses inc and dec with N defaulting to 1, dec negating it', () => {
    expect(parseLine('inc pageviews')).to.deep.equal({ kind: 'inc', name: 'pageviews', amount: 1n });
    expect(parseLine('  dec x 5  ')).to.deep.equal({ kind: 'inc', name: 'x', amount: -5n });
    expect(parseLine('INC x 3 --wait quorum --key=k1')).to.deep.equal({ kind: 'inc', name: 'x', amount: 3n, wait: 'quorum', key: 'k1' });
  });

  it('parses N exactly up to 2^63-1 and rejects anything else with the value', () => {
    expect(parseLine('inc x 9223372036854775807')).to.have.property('amount', 9223372036854775807n);
    for (const bad of ['9223372036854775808', '1.5', '1e3', '0', '-2', '0x10']) {
      expect(() => parseLine(`inc x ${bad}`), bad).to.throw(`N must be a positive integer of at most 2^63-1, got '${bad}'`);
    }
  });

  it('parses get with a level as a word or a flag', () => {
    expect(parseLine('get x')).to.deep.equal({ kind: 'get', name: 'x' });
    expect(parseLine('get x quorum')).to.deep.equal({ kind: 'get', name: 'x', consistency: 'quorum' });
    expect(parseLine('get x --consistency 2')).to.deep.equal({ kind: 'get', name: 'x', consistency: '2' });
  });

  it('parses items add and items count, with their levels', () => {
    expect(parseLine('items add tenant1 item1 item2')).to.deep.equal({ kind: 'items-add', tenant: 'tenant1', ids: ['item1', 'item2'] });
    expect(parseLine('items add t a --wait quorum')).to.deep.equal({ kind: 'items-add', tenant: 't', ids: ['a'], wait: 'quorum' });
    expect(parseLine('items count t')).to.deep.equal({ kind: 'items-count', tenant: 't' });
    expect(parseLine('items count t all')).to.deep.equal({ kind: 'items-count', tenant: 't', consistency: 'all' });
    for (const bad of ['items', 'items add t', 'items count', 'items count t a b', 'items remove t a']) {
      expect(() => parseLine(bad), bad).to.throw('usage: items add TENANT ID');
    }
  });

  it('parses list with an optional prefix, slots and watch with a name, and use balancer', () => {
    expect(parseLine('list')).to.deep.equal({ kind: 'list', prefix: '' });
    expect(parseLine('list page.')).to.deep.equal({ kind: 'list', prefix: 'page.' });
    expect(parseLine('slots x')).to.deep.equal({ kind: 'slots', name: 'x' });
    expect(parseLine('watch x')).to.deep.equal({ kind: 'watch', name: 'x' });
    expect(parseLine('use balancer')).to.deep.equal({ kind: 'use-balancer' });
    expect(() => parseLine('slots')).to.throw('usage: slots NAME');
    expect(() => parseLine('list a b')).to.throw('usage: list [PREFIX]');
  });

  it('returns undefined for a blank line', () => {
    expect(parseLine('   ')).to.equal(undefined);
  });

  it('names the usage on missing or extra words and unknown flags', () => {
    expect(() => parseLine('inc')).to.throw('usage: inc NAME [N]');
    expect(() => parseLine('get x quorum extra')).to.throw('usage: get NAME [LEVEL]');
    expect(() => parseLine('inc x --consistency all')).to.throw('usage: inc NAME');
    expect(() => parseLine('use')).to.throw('usage: use ID');
  });
});

describe('evaluate()', () => {
  let cluster: FakeCluster;
  let client: TallyClient;

  beforeEach(async () => {
    cluster = await startCluster(['s1', 's2']);
    client = new TallyClient({ balancer: cluster.balancer.url, timeoutMs: 300, retryDelayMs: 5 });
  });
  afterEach(async () => {
    client.close();
    await cluster.close();
  });

  it('prints inc, dec and get as NAME = VALUE in human mode', async () => {
    const ctx = { client, json: false };
    expect(await evaluate('inc pageviews 41', ctx)).to.deep.equal({ output: 'pageviews = 41', exitCode: 0 });
    expect((await evaluate('inc pageviews', ctx)).output).to.equal('pageviews = 42');
    expect((await evaluate('dec pageviews 5', ctx)).output).to.equal('pageviews = 37');
    expect((await evaluate('get pageviews', ctx)).output).to.equal('pageviews = 37');
    expect(at(cluster.servers, 0).value('pageviews')).to.equal(37n);
  });

  it('prints one JSON line with the value as a string in JSON mode', async () => {
    const ctx = { client, json: true };
    const inc = JSON.parse((await evaluate('inc pageviews 42', ctx)).output) as Record<string, unknown>;
    expect(inc).to.include({ name: 'pageviews', value: '42', server: 's1', slot: 's1:1', seq: '1' });
    expect(inc.key).to.be.a('string');
    const get = (await evaluate('get pageviews', ctx)).output;
    expect(get).to.not.contain('\n');
    expect(JSON.parse(get)).to.deep.equal({ name: 'pageviews', value: '42', server: 's1', url: at(cluster.servers, 0).url });
  });

  it('lists servers with the one in use marked, and switches with use', async () => {
    await evaluate('inc x', { client, json: false });
    const table = (await evaluate('servers', { client, json: false })).output.split('\n');
    expect(table).to.have.length(2);
    expect(at(table, 0)).to.match(/^\* s1 +ready +http:\/\/127\.0\.0\.1:\d+$/);
    expect(at(table, 1)).to.match(/^ {2}s2 +ready /);
    expect((await evaluate('use s2', { client, json: false })).output).to.equal(`using s2 (${at(cluster.servers, 1).url})`);
    const list = JSON.parse((await evaluate('servers', { client, json: true })).output) as unknown[];
    expect(list).to.have.length(2);
  });

  it('lists, breaks down and watches counters, and unpins with use balancer', async () => {
    const ctx = { client, json: false };
    await evaluate('inc a.x 2', ctx);
    await evaluate('inc a.y 3', ctx);
    expect((await evaluate('list a.', ctx)).output).to.equal('a.x = 2\na.y = 3');
    expect((await evaluate('slots a.y', ctx)).output.split('\n')[1]).to.match(/^s1:1 +s1 +1 +3 +0 +3$/);
    const printed: string[] = [];
    const stop = new AbortController();
    const watching = evaluate('watch a.x', { ...ctx, signal: stop.signal, print: (line) => printed.push(line) });
    await waitFor(() => printed.length === 1, 5000, 'the first value');
    stop.abort();
    expect(await watching).to.deep.equal({ output: '', exitCode: 0 });
    expect(printed).to.deep.equal(['a.x = 2']);
    await evaluate('use s2', ctx);
    expect((await evaluate('use balancer', ctx)).output).to.contain('using the balancer');
    expect(client.current()).to.equal(undefined);
  });

  it('prints errors as one line with exit code 1 and no stack', async () => {
    const unknown = await evaluate('frobnicate x', { client, json: false });
    expect(unknown).to.deep.equal({ output: "error: unknown command 'frobnicate'; type help for the list", exitCode: 1 });
    const badName = await evaluate('inc bad/name', { client, json: true });
    expect(badName.output).to.match(/^error: counter name must be .*got 'bad\/name'$/);
    at(cluster.servers, 0).script.push({ status: 400, code: 'nope', message: 'the fake says\nno' });
    expect(await evaluate('inc x', { client, json: false })).to.deep.equal({ output: 'error: the fake says no', exitCode: 1 });
  });

  it('answers help with the command list and quit/exit with exit', async () => {
    expect((await evaluate('help', { client, json: false })).output).to.contain('inc NAME [N]').and.contain('use ID');
    expect(await evaluate('quit', { client, json: false })).to.deep.equal({ output: '', exit: true, exitCode: 0 });
    expect(await evaluate('exit', { client, json: false })).to.deep.equal({ output: '', exit: true, exitCode: 0 });
  });
});

describe('evaluate() exit codes', () => {
  const server = { id: 's1', url: 'http://s1' };
  const failing = (err: Error): CommandClient => ({
    increment: () => Promise.reject(err),
    get: () => Promise.reject(err),
    servers: () => Promise.reject(err),
    use: () => Promise.reject(err),
    useBalancer: () => {
      throw err;
    },
    list: () => Promise.reject(err),
    slots: () => Promise.reject(err),
    watch: () => Promise.reject(err),
    current: () => server,
    items: { add: () => Promise.reject(err), count: () => Promise.reject(err) },
  });

  it('is 3 when the outcome of an increment is unknown', async () => {
    const err = new OutcomeUnknownError({ counter: 'x', amount: 1n, key: 'k', server, attempts: 4, lastReason: 'timeout' });
    const result = await evaluate('inc x', { client: failing(err), json: false });
    expect(result.exitCode).to.equal(3);
    expect(result.output).to.match(/^error: outcome unknown: .*Idempotency-Key k/);
  });

  it('is 4 when a level was not reached', async () => {
    const err = new TimeoutLevelError('quorum not reached', { counter: 'x', server, value: 3n, applied: false, acks: 1, required: 2 });
    const result = await evaluate('get x quorum', { client: failing(err), json: false });
    expect(result).to.deep.equal({ output: 'error: quorum not reached; best value x = 3', exitCode: 4 });
  });
});

describe('evaluate() servers and members', () => {
  const list = [{ id: 's1', url: 'http://a:1', status: 'ready' as const }, { id: 's2', url: 'http://a:2', status: 'suspect' as const }];
  const members = [
    { id: 's1', url: 'http://a:1', state: 'active' as const, epoch: 1, lastContact: '2026-12-01T09:00:00.000Z' },
    { id: 's2', url: 'http://a:2', state: 'active' as const, epoch: 1, lastContact: null },
    { id: 's3', url: 'http://a:3', state: 'decommissioned' as const, epoch: 1, lastContact: null },
  ];
  const removed: Array<{ id: string; force: boolean }> = [];
  const client: CommandClient = {
    increment: () => Promise.reject(new Error('unused')),
    get: () => Promise.reject(new Error('unused')),
    servers: () => Promise.resolve(list),
    use: () => Promise.reject(new Error('unused')),
    useBalancer: () => undefined,
    list: () => Promise.reject(new Error('unused')),
    slots: () => Promise.reject(new Error('unused')),
    watch: () => Promise.reject(new Error('unused')),
    items: { add: () => Promise.reject(new Error('unused')), count: () => Promise.reject(new Error('unused')) },
    current: () => undefined,
    members: () => Promise.resolve(members),
    removeServer: (id, options) => {
      removed.push({ id, force: options?.force === true });
      return Promise.resolve({ id, decommissioned: true, forced: options?.force === true });
    },
  };

  it('shows the balancer\'s view and the members side by side, one row per id in either', async () => {
    const table = (await evaluate('servers', { client, json: false })).output.split('\n');
    expect(table).to.deep.equal([
      '  s1  ready    http://a:1  member active          last contact 2026-12-01T09:00:00.000Z',
      '  s2  suspect  http://a:2  member active          last contact -',
      '  s3  -        http://a:3  member decommissioned  last contact -',
    ]);
    const rows = JSON.parse((await evaluate('servers', { client, json: true })).output) as Array<{ id: string; status: string | null; member: { state: string } | null }>;
    expect(rows.map((r) => [r.id, r.status, r.member?.state])).to.deep.equal([['s1', 'ready', 'active'], ['s2', 'suspect', 'active'], ['s3', null, 'decommissioned']]);
  });

  it('removes a server through the client, forced only with --force', async () => {
    expect((await evaluate('servers remove s2', { client, json: false })).output).to.equal('removed s2: it is decommissioned for good');
    expect((await evaluate('servers remove s3 --force', { client, json: false })).output).to.equal('removed s3 (forced): it is decommissioned for good');
    expect(removed).to.deep.equal([{ id: 's2', force: false }, { id: 's3', force: true }]);
  });

  it('rejects a malformed servers line with its usage', async () => {
    expect((await evaluate('servers remove', { client, json: false })).output).to.equal('error: usage: servers [remove ID [--force]]');
    expect((await evaluate('servers drop s1', { client, json: false })).output).to.equal('error: usage: servers [remove ID [--force]]');
  });
});
