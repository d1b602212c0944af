/**
 * Section 6: the item set. Ids added per second through `POST /items` in batches of 1,000
 * distinct ids (4 connections, one server, per fsync policy), and the memory each stored id
 * costs in a server's item table (sets + journal, the id strings included), measured in this
 * process between forced GCs, next to a bare Set<string> of the same ids.
 */
import { randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { http, makeTempDir, spawnTallyServer, stop, waitReady } from './processes.mjs';
import { rate, percent } from './report.mjs';

const BATCH = 1000;
const CONNECTIONS = 4;
const MEMORY_IDS = 1_000_000;
const TENANTS = 100;

/**
 * @param {{ seconds: number, configPath: string, log: (line: string) => void }} o
 * @returns {Promise<import('./report.mjs').Row[]>}
 */
export async function benchItems(o) {
  const always = await addRate('always', o);
  const none = await addRate('none', o);
  const memory = await bytesPerId();
  o.log(`  items/s: fsync always ${rate(always)}, none ${rate(none)}; ${memory.perId.toFixed(0)} B per stored id (bare Set ${memory.bareSet.toFixed(0)} B)`);
  return [
    { section: '6 items', what: `POST /items, batches of ${BATCH.toLocaleString('en-US')} new ids, ${CONNECTIONS} conns, --fsync always`, result: rate(always), baseline: `--fsync none ${rate(none)}`, ratio: percent(always / none) },
    { section: '6 items', what: `POST /items, batches of ${BATCH.toLocaleString('en-US')} new ids, ${CONNECTIONS} conns, --fsync none`, result: rate(none) },
    {
      section: '6 items', what: `memory per stored id, ${MEMORY_IDS.toLocaleString('en-US')} UUID ids over ${TENANTS} tenants (set + journal, V8 heap after GC)`,
      result: `${memory.perId.toFixed(0)} B`, baseline: `bare Set<string> of UUIDs ${memory.bareSet.toFixed(0)} B`, ratio: `${(memory.perId / memory.bareSet).toFixed(2)}×`,
    },
  ];
}

/** Ids per second that one server acknowledged, adding fresh UUIDs in batches. */
async function addRate(fsync, o) {
  const proc = await spawnTallyServer({ id: `items-${fsync}`, dataDir: makeTempDir('tally-bench-items-'), configPath: o.configPath, fsync });
  try {
    await waitReady(proc);
    let added = 0;
    const deadline = performance.now() + o.seconds * 1000;
    const started = performance.now();
    const worker = async () => {
      while (performance.now() < deadline) {
        const tenant = `t${Math.floor(Math.random() * TENANTS)}`;
        const body = JSON.stringify(Array.from({ length: BATCH }, () => ({ id: randomUUID(), tenant })));
        const res = await http.post(`${proc.url}/items`, { body, headers: { 'content-type': 'application/json' }, timeout: { request: 30_000 } });
        if (res.statusCode !== 200) throw new Error(`POST /items answered ${res.statusCode}: ${res.body.slice(0, 200)}`);
        added += /** @type {{ added: number }} */ (JSON.parse(res.body)).added;
      }
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, worker));
    return added / ((performance.now() - started) / 1000);
  } finally {
    await stop(proc);
  }
}

/**
 * Heap bytes per id of the server's item table (a KeyedTable of the item type) holding MEMORY_IDS fresh UUID strings, and of a
 * bare Set<string> of as many fresh UUIDs (the least any in-memory set could cost), each measured
 * from a collected heap to a collected heap with nothing else alive.
 */
async function bytesPerId() {
  setFlagsFromString('--expose-gc');
  const gc = /** @type {() => void} */ (runInNewContext('gc'));
  const { KeyedTable } = await import('../../packages/server/dist/keyspace/keyed-table.js');
  const { itemType } = await import('../../packages/server/dist/items/item-type.js');
  const measure = (fill) => {
    gc();
    const before = process.memoryUsage().heapUsed;
    // Kept alive across the second GC: what is measured is what holding it costs.
    const kept = fill();
    gc();
    const bytes = process.memoryUsage().heapUsed - before;
    const held = 'journalLength' in kept ? kept.journalLength : kept.size;
    return { bytes: bytes / MEMORY_IDS, held };
  };
  const bare = measure(() => {
    const set = new Set();
    for (let i = 0; i < MEMORY_IDS; i++) set.add(flatId());
    return set;
  });
  const table = measure(() => {
    const t = new KeyedTable(itemType);
    for (let i = 0; i < MEMORY_IDS; i += BATCH) t.add([[`t${(i / BATCH) % TENANTS}`, Array.from({ length: BATCH }, () => flatId())]]);
    return t;
  });
  if (table.held !== MEMORY_IDS || bare.held !== MEMORY_IDS) throw new Error(`held ${table.held} / ${bare.held} ids, not ${MEMORY_IDS}`);
  return { perId: table.bytes, bareSet: bare.bytes };
}

/**
 * A UUID as one flat one-byte string, as an id parsed from a request body is: randomUUID's own
 * strings are built from pieces, and V8 would count the pieces.
 */
const flatId = () => Buffer.from(randomUUID(), 'latin1').toString('latin1');
