/**
 * One process serving two builds' counting servers side by side, for section `baseline`'s
 * same-process comparison: `node pair-host.mjs <fsync> <tree A> <tree B>` (built checkouts; the
 * same tree twice for the A/A). Each app gets its own data dir and port; the process prints
 * `pair <B url>` and then `listening on <A url>` once both have recovered.
 *
 * Why one process: on this VM a server process runs 10-20 % faster or slower than another of the
 * same build for its whole life, so separate processes compare luck as much as code. In one
 * process both apps share that luck (heap, code placement, hash seeds); only their code differs.
 *
 * It builds each app the way that build's main.ts does, for the two shapes Tally has had: before
 * the architecture split (`createApp` -> `{ app, node }`, `recover(node)`), and since.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [fsync, ...trees] = process.argv.slice(2);
if (fsync === undefined || trees.length !== 2) {
  process.stderr.write('usage: node pair-host.mjs <fsync> <tree A> <tree B>\n');
  process.exit(2);
}
const dirs = [];
process.once('SIGTERM', () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});

/** @param {string} tree @param {string} path */
const load = (tree, path) => import(pathToFileURL(join(tree, path)).href);

/**
 * Starts one build's app on a free loopback port; resolves with its URL once it recovered.
 * @param {string} tree
 * @param {string} id
 */
async function host(tree, id) {
  const dir = mkdtempSync(join(tmpdir(), 'tally-bench-pair-'));
  dirs.push(dir);
  const server = createServer();
  server.keepAliveTimeout = 65_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  const url = `http://127.0.0.1:${port}`;
  const core = await load(tree, 'packages/core/dist/index.js');
  const argv = ['--id', id, '--port', String(port), '--host', '127.0.0.1', '--secret', 's', '--data-dir', join(dir, 'data'), '--fsync', fsync, '--log-level', 'warn'];
  // No config file: every setting is a flag or its default (`{}` stands for the file).
  const parsed = core.configFromCli('tally-server', { argv, env: {}, readTextFile: () => '{}', defaultConfigPath: join(dir, 'tally.config.json'), version: 'bench' });
  if (parsed.ok !== true) throw new Error(`${tree}: ${JSON.stringify(parsed.problems ?? parsed)}`);
  const config = parsed.config;
  const { pino } = await load(tree, 'node_modules/pino/pino.js');
  const log = pino({ level: 'warn' }, pino.destination(2));
  const { EmbeddedStore } = await load(tree, 'packages/server/dist/store/index.js');
  const { createApp } = await load(tree, 'packages/server/dist/app.js');
  const store = new EmbeddedStore({ dir: config.dataDir, fsync: config.fsync, fsyncIntervalMs: config.fsyncIntervalMs, snapshotBytes: config.snapshotBytes, idempotencyTtlMs: config.idempotencyTtlMs, log });
  if (existsSync(join(tree, 'packages/server/dist/node.js'))) {
    // Before the split: one CountingNode, recovered by recovery.ts, publishing on its own.
    const { recover } = await load(tree, 'packages/server/dist/recovery.js');
    const { app, node } = createApp(config, { id, url, store, log });
    server.on('request', app.callback());
    await recover(node);
    node.publisher.start();
    return url;
  }
  const { MemberBook } = await load(tree, 'packages/server/dist/members/member-book.js');
  const { openActorsFile } = await load(tree, 'packages/server/dist/state/actors-file.js');
  const { KeyedLog } = await load(tree, 'packages/server/dist/keyspace/keyed-log.js');
  const { itemType } = await load(tree, 'packages/server/dist/items/item-type.js');
  const book = await MemberBook.open({ dir: config.dataDir, self: { id, url }, now: Date.now, log });
  const actors = await openActorsFile(config.dataDir);
  const itemLog = new KeyedLog(itemType, { dir: config.dataDir, fsync: config.fsync, fsyncIntervalMs: config.fsyncIntervalMs });
  const tally = createApp(config, { id, url, store, log, actors, itemLog, book });
  server.on('request', tally.app.callback());
  await tally.start();
  return url;
}

const [a, b] = /** @type {[string, string]} */ (trees);
const urlA = await host(a, 'pair-a');
const urlB = await host(b, 'pair-b');
process.stdout.write(`pair ${urlB}\nlistening on ${urlA}\n`);
