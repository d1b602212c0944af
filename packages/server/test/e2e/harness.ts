/**
 * Starts the real bins (tally-balancer, tally-server, tally) as child processes on ephemeral
 * loopback ports, for end-to-end tests. Every process is tracked by PID and killed in `stopAll`.
 * Every wait is bounded in time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import got from 'got';

export const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
export const BIN = {
  balancer: join(REPO, 'packages/balancer/bin/tally-balancer.js'),
  server: join(REPO, 'packages/server/bin/tally-server.js'),
  client: join(REPO, 'packages/client/bin/tally.js'),
};
export const SECRET = 'e2e-secret';

/** A got instance for tests: no retries, no throwing on 4xx/5xx, a timeout on every call. */
export const http = got.extend({ retry: { limit: 0 }, throwHttpErrors: false, timeout: { request: 10_000 } });

export interface Proc {
  name: string;
  url: string;
  port: number;
  child: ChildProcess;
  args: string[];
  output: string[];
  exited: Promise<number | null>;
}

const live = new Set<ChildProcess>();

/**
 * Spawns a bin and resolves once it printed `listening on URL`. `wrap` runs it through another
 * command that execs it (e.g. `ip netns exec NS`), so the PID is still the bin's.
 */
export async function spawnBin(name: string, bin: string, args: string[], timeoutMs = 15_000, wrap: readonly string[] = []): Promise<Proc> {
  const [command, ...prefix] = [...wrap, process.execPath];
  const child = spawn(command as string, [...prefix, bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TALLY_CONFIG: join(REPO, 'tally.config.json') } });
  live.add(child);
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    live.delete(child);
    resolve(code);
  }));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not listen within ${timeoutMs} ms:\n${output.join('')}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      output.push(chunk.toString());
      if (output.length > 2000) output.splice(0, 1000);
      const match = /listening on (http:\/\/[^\s]+)/.exec(output.join(''));
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output.push(chunk.toString());
      if (output.length > 2000) output.splice(0, 1000);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before listening:\n${output.join('')}`));
    });
  });
  return { name, url, port: Number(new URL(url).port), child, args, output, exited };
}

/** Polls `check` every `everyMs` until it returns true; throws after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function isReady(url: string): Promise<boolean> {
  const res = await http.get(`${url}/readyz`, { timeout: { request: 1000 } });
  return res.statusCode === 200;
}

export interface ClusterOptions {
  servers: number;
  publishIntervalMs?: number;
  healthIntervalMs?: number;
  suspectAfter?: number;
  fsync?: 'always' | 'interval' | 'none';
  serverArgs?: string[];
  balancerArgs?: string[];
  /** Without a balancer, servers get each other as static peers (needs fixed ports). */
  withBalancer?: boolean;
}

/** A balancer and N counting servers, each with its own data dir under one temp folder. */
export class Cluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'tally-e2e-'));
  balancer: Proc | undefined;
  readonly servers = new Map<string, Proc>();
  readonly options: Required<Omit<ClusterOptions, 'serverArgs' | 'balancerArgs'>> & Pick<ClusterOptions, 'serverArgs' | 'balancerArgs'>;

  constructor(options: ClusterOptions) {
    this.options = { publishIntervalMs: 200, healthIntervalMs: 200, suspectAfter: 3, fsync: 'always', withBalancer: true, ...options };
  }

  async start(): Promise<this> {
    const o = this.options;
    if (o.withBalancer) {
      this.balancer = await spawnBin('balancer', BIN.balancer, [
        '--port', '0', '--secret', SECRET, '--health-interval-ms', String(o.healthIntervalMs),
        '--suspect-after', String(o.suspectAfter), '--log-level', 'warn', ...(o.balancerArgs ?? []),
      ]);
    }
    const ids = Array.from({ length: o.servers }, (_, i) => `s${i + 1}`);
    await Promise.all(ids.map((id) => this.startServer(id)));
    await this.waitAllReady();
    return this;
  }

  dataDir(id: string): string {
    return join(this.dir, id);
  }

  /** Starts (or restarts, on the same port) one server. */
  async startServer(id: string, extraArgs: string[] = []): Promise<Proc> {
    const o = this.options;
    const previous = this.servers.get(id);
    const args = [
      '--id', id, '--port', String(previous?.port ?? 0), '--secret', SECRET, '--data-dir', this.dataDir(id),
      '--publish-interval-ms', String(o.publishIntervalMs), '--fsync', o.fsync, '--log-level', 'warn',
      '--heartbeat-interval-ms', String(Math.min(500, o.publishIntervalMs)),
      ...(this.balancer ? ['--balancer', this.balancer.url] : []), ...(o.serverArgs ?? []), ...extraArgs,
    ];
    const proc = await spawnBin(id, BIN.server, args);
    this.servers.set(id, proc);
    return proc;
  }

  server(id: string): Proc {
    const proc = this.servers.get(id);
    if (proc === undefined) throw new Error(`no server ${id}`);
    return proc;
  }

  urls(): string[] {
    return [...this.servers.values()].map((p) => p.url);
  }

  async waitReady(id: string, timeoutMs = 30_000): Promise<void> {
    await waitFor(`${id} ready`, () => isReady(this.server(id).url), timeoutMs);
  }

  /** Waits until every server is ready and (with a balancer) every one knows all the others. */
  async waitAllReady(timeoutMs = 30_000): Promise<void> {
    for (const id of this.servers.keys()) await this.waitReady(id, timeoutMs);
    if (this.balancer === undefined) return;
    const balancer = this.balancer;
    await waitFor('balancer lists every server as ready', async () => {
      const list = (await http.get(`${balancer.url}/servers`).json()) as Array<{ id: string; status: string }>;
      return [...this.servers.keys()].every((id) => list.some((s) => s.id === id && s.status === 'ready'));
    }, timeoutMs);
    // Servers refresh their peer list on each heartbeat; give them one round plus a publish.
    await sleep(Math.min(500, this.options.publishIntervalMs) * 2 + 100);
  }

  /** Sends a signal and waits for the process to exit (SIGKILL always ends it). */
  async kill(id: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    const proc = this.server(id);
    proc.child.kill(signal);
    const code = await Promise.race([proc.exited, sleep(12_000).then(() => 'timeout' as const)]);
    if (code === 'timeout') {
      proc.child.kill('SIGKILL');
      throw new Error(`${id} did not exit within 12 s of ${signal}`);
    }
    return code;
  }

  async restart(id: string, extraArgs: string[] = []): Promise<Proc> {
    const proc = await this.startServer(id, extraArgs);
    await this.waitReady(id);
    return proc;
  }

  /** Every server's local value of `name`, as BigInt. */
  async values(name: string): Promise<bigint[]> {
    return Promise.all(this.urls().map(async (url) => BigInt((await http.get(`${url}/counter/${name}/value`)).body)));
  }

  async stopAll(): Promise<void> {
    const mine = [this.balancer, ...this.servers.values()].filter((p): p is Proc => p !== undefined);
    for (const proc of mine) proc.child.kill('SIGKILL');
    await Promise.race([Promise.all(mine.map((p) => p.exited)), sleep(5000)]);
    await sleep(50);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Kills every process any test started; call from a root `after` hook as a safety net. */
export function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
}
