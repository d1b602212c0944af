/**
 * Child processes and temp dirs of one bench run. Every child is tracked by PID and every temp
 * dir by path, so `cleanupSync` (called from `finally` and from the process 'exit' handler) can
 * leave nothing behind. Every wait is bounded in time.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import got from 'got';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const TALLY_SERVER_BIN = join(REPO, 'packages/server/bin/tally-server.js');
export const SECRET = 's';

/** @type {Set<import('node:child_process').ChildProcess>} */
const live = new Set();
/** @type {Set<string>} */
const dirs = new Set();

const http = got.extend({ retry: { limit: 0 }, throwHttpErrors: false, timeout: { request: 1000 } });

/**
 * @typedef {object} Proc
 * @property {string} name
 * @property {string} url
 * @property {import('node:child_process').ChildProcess} child
 * @property {string[]} output the last lines of stdout and stderr, for error messages
 * @property {Promise<number | null>} exited
 * @property {number} spawnedAt performance.now() just before spawn
 */

/** A temp dir removed by `cleanupSync`. */
export function makeTempDir(prefix = 'tally-bench-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

/**
 * An empty config file for tally-server, so the repo's tally.config.json (which names a
 * balancer on port 7000) does not leak into the benchmark.
 * @param {string} dir
 */
export function writeEmptyConfig(dir) {
  const path = join(dir, 'bench.config.json');
  writeFileSync(path, '{}\n');
  return path;
}

/** The environment minus TALLY_*, so only flags configure the servers. */
function childEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('TALLY_')));
}

/**
 * Spawns `node [nodeArgs] script [args]` and resolves once it printed `listening on URL`.
 * @param {string} name
 * @param {string} script
 * @param {string[]} args
 * @param {{ nodeArgs?: string[], timeoutMs?: number }} [options]
 * @returns {Promise<Proc>}
 */
export async function spawnNode(name, script, args, { nodeArgs = [], timeoutMs = 15_000 } = {}) {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
  live.add(child);
  /** @type {string[]} */
  const output = [];
  const keep = (/** @type {Buffer} */ chunk) => {
    output.push(chunk.toString());
    if (output.length > 200) output.splice(0, 100);
  };
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => {
    live.delete(child);
    resolve(code ?? (signal ? -1 : null));
  }));
  child.stderr.on('data', keep);
  const url = await new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not listen within ${timeoutMs} ms:\n${output.join('')}`)), timeoutMs);
    child.stdout.on('data', (/** @type {Buffer} */ chunk) => {
      keep(chunk);
      stdout += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before listening:\n${output.join('')}`));
    });
  });
  return { name, url, child, output, exited, spawnedAt };
}

/**
 * Spawns a tally-server with the bench defaults (no balancer, no peers, loopback).
 * @param {{ id: string, dataDir: string, configPath: string, fsync: string, port?: number, extraArgs?: string[], nodeArgs?: string[], bin?: string }} o
 *   `bin`: another build's tally-server bin (BENCH_BASELINE_TREE); this tree's by default
 */
export function spawnTallyServer(o) {
  const args = [
    '--id', o.id, '--port', String(o.port ?? 0), '--host', '127.0.0.1', '--secret', SECRET, '--data-dir', o.dataDir,
    '--fsync', o.fsync, '--log-level', 'warn', '--config', o.configPath, ...(o.extraArgs ?? []),
  ];
  return spawnNode(`tally-server ${o.id}`, o.bin ?? TALLY_SERVER_BIN, args, { nodeArgs: o.nodeArgs ?? [] });
}

/**
 * Polls `/readyz` every `everyMs` until it answers 200; resolves with performance.now() then.
 * @param {Proc} proc
 */
export async function waitReady(proc, timeoutMs = 30_000, everyMs = 5) {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited with ${proc.child.exitCode} before ready:\n${proc.output.join('')}`);
    const res = await http.get(`${proc.url}/readyz`).catch(() => undefined);
    if (res?.statusCode === 200) return performance.now();
    await sleep(everyMs);
  }
  throw new Error(`${proc.name} not ready within ${timeoutMs} ms:\n${proc.output.join('')}`);
}

/**
 * SIGTERM, then SIGKILL if it has not exited within `graceMs`. Resolves with the exit code.
 * @param {Proc | undefined} proc
 */
export async function stop(proc, graceMs = 10_000) {
  if (proc === undefined || proc.child.exitCode !== null || proc.child.signalCode !== null) return proc?.exited;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
  try {
    return await proc.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Kills every child still alive (by PID) and removes every temp dir; safe in an 'exit' handler. */
export function cleanupSync() {
  for (const child of live) {
    try {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

/**
 * `count` distinct free loopback ports: all bound to port 0 at once, then released.
 * @param {number} count
 * @returns {Promise<number[]>}
 */
export async function freePorts(count) {
  const servers = await Promise.all(Array.from({ length: count }, () => new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  })));
  const ports = servers.map((s) => /** @type {import('node:net').AddressInfo} */ (s.address()).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export { http };
