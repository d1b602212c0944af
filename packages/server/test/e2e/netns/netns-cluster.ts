/**
 * A balancer and N counting servers, each in its own network namespace (see topology.ts), run
 * from the real bins. Every process listens on its namespace's address at a fixed port (ports
 * don't collide across namespaces), so a restart keeps its URL. Short health and removal
 * intervals keep the suite fast: the balancer drops a silent server after about a second.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, SECRET, http, isReady, sleep, spawnBin, waitFor, type Proc } from '../harness.js';
import { Topology, cleanLeftovers } from './topology.js';

export const SERVER_PORT = 7001;
export const BALANCER_PORT = 7000;

export interface NetnsClusterOptions {
  /** Servers started by `start()`: s1..sN. */
  servers: number;
  /** Extra namespaces (s<N+1>..) for servers a test starts later, e.g. a joiner. */
  spares?: number;
  healthIntervalMs?: number;
  suspectAfter?: number;
  removeAfter?: number;
  publishIntervalMs?: number;
  waitTimeoutMs?: number;
}

export class NetnsCluster {
  readonly net = new Topology();
  readonly dir = mkdtempSync(join(tmpdir(), 'tally-netns-'));
  readonly options: Required<NetnsClusterOptions>;
  balancer: Proc | undefined;
  readonly servers = new Map<string, Proc>();

  constructor(options: NetnsClusterOptions) {
    this.options = { spares: 0, healthIntervalMs: 200, suspectAfter: 2, removeAfter: 5, publishIntervalMs: 100, waitTimeoutMs: 1500, ...options };
  }

  /** All server ids the topology has room for, started or not. */
  get ids(): string[] {
    return Array.from({ length: this.options.servers + this.options.spares }, (_, i) => `s${i + 1}`);
  }

  /** Builds the network and starts everything; on failure, tears down what it made and throws. */
  async start(): Promise<this> {
    try {
      return await this.#start();
    } catch (err) {
      await this.stopAll();
      throw err;
    }
  }

  async #start(): Promise<this> {
    cleanLeftovers();
    const nodes: Record<string, number> = { balancer: 2 };
    this.ids.forEach((id, i) => {
      nodes[id] = 11 + i;
    });
    this.net.up(nodes);
    await this.startBalancer();
    await Promise.all(this.ids.slice(0, this.options.servers).map((id) => this.startServer(id)));
    for (const id of this.servers.keys()) await this.waitReady(id);
    return this;
  }

  url(id: string): string {
    return `http://${this.net.ip(id)}:${SERVER_PORT}`;
  }

  get balancerUrl(): string {
    return `http://${this.net.ip('balancer')}:${BALANCER_PORT}`;
  }

  /** Urls of the servers running now. */
  urls(): string[] {
    return [...this.servers.keys()].sort().map((id) => this.url(id));
  }

  async startBalancer(): Promise<Proc> {
    const o = this.options;
    this.balancer = await spawnBin('balancer', BIN.balancer, [
      '--host', this.net.ip('balancer'), '--port', String(BALANCER_PORT), '--secret', SECRET, '--log-level', 'warn',
      '--health-interval-ms', String(o.healthIntervalMs), '--suspect-after', String(o.suspectAfter),
      '--remove-after', String(o.removeAfter), '--request-timeout-ms', '300',
    ], 30_000, this.net.exec('balancer'));
    return this.balancer;
  }

  /** Starts (or restarts, on the same address and data dir) one server. */
  async startServer(id: string, extraArgs: string[] = []): Promise<Proc> {
    const o = this.options;
    const proc = await spawnBin(id, BIN.server, [
      '--id', id, '--host', this.net.ip(id), '--port', String(SERVER_PORT), '--secret', SECRET,
      '--data-dir', join(this.dir, id), '--balancer', this.balancerUrl, '--log-level', 'warn',
      '--publish-interval-ms', String(o.publishIntervalMs), '--heartbeat-interval-ms', '200',
      '--request-timeout-ms', '500', '--wait-timeout-ms', String(o.waitTimeoutMs), '--startup-pull-timeout-ms', '1500',
      ...extraArgs,
    ], 30_000, this.net.exec(id));
    this.servers.set(id, proc);
    return proc;
  }

  async waitReady(id: string, timeoutMs = 20_000): Promise<void> {
    await waitFor(`${id} ready`, () => isReady(this.url(id)), timeoutMs);
  }

  /** Sends a signal to a server (or the balancer) and waits until it exited. */
  async kill(id: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    const proc = id === 'balancer' ? this.balancer : this.servers.get(id);
    if (proc === undefined) throw new Error(`no process ${id}`);
    proc.child.kill(signal);
    const code = await Promise.race([proc.exited, sleep(12_000).then(() => 'timeout' as const)]);
    if (code === 'timeout') {
      proc.child.kill('SIGKILL');
      throw new Error(`${id} did not exit within 12 s of ${signal}`);
    }
    if (id === 'balancer') this.balancer = undefined;
    else this.servers.delete(id);
    return code;
  }

  /** The balancer's `GET /servers` ids. */
  async balancerIds(): Promise<string[]> {
    const list = (await http.get(`${this.balancerUrl}/servers`, { timeout: { request: 2000 } }).json()) as Array<{ id: string }>;
    return list.map((s) => s.id);
  }

  /** Kills every process this cluster started, then deletes its namespaces and data dirs. */
  async stopAll(): Promise<void> {
    const mine = [this.balancer, ...this.servers.values()].filter((p): p is Proc => p !== undefined);
    for (const proc of mine) proc.child.kill('SIGKILL');
    await Promise.race([Promise.all(mine.map((p) => p.exited)), sleep(5000)]);
    this.net.down();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
