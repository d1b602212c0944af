/**
 * A private network for e2e tests, built from Linux network namespaces (root only):
 *
 *            root namespace (the test process): bridge  <prefix>b   10.77.X.1/24
 *               │ veth <prefix>h<i>  ──  <prefix>p<i>  (inside namespace <prefix>-<node>)
 *   ┌───────────┼──────────────┬──────────────┐
 *   balancer 10.77.X.2   s1 10.77.X.11   s2 10.77.X.12   …
 *
 * Every node has its own namespace, so partitions are iptables rules inside the namespaces: the
 * host's own tables are never touched. The test process (10.77.X.1) stays reachable from every
 * side, as a Jepsen client would: only node-to-node traffic is cut.
 *
 * Names carry the owner's PID (base 36), so a run cleans up only its own leftovers and those of
 * runs whose process is gone, never a run still going. Every command has a timeout.
 */
import { execFileSync } from 'node:child_process';

const OWN_PREFIX = 'tnm';
const CMD_TIMEOUT_MS = 10_000;

export type PartitionMode = 'both' | 'one-way';

/** Runs a command; throws with its stderr. */
function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', timeout: CMD_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs a command and ignores a failure (cleanup of things that may already be gone). */
function tryRun(cmd: string, args: string[]): void {
  try {
    run(cmd, args);
  } catch {
    // already gone
  }
}

export function canUseNetns(): { ok: true } | { ok: false; why: string } {
  if (process.getuid?.() !== 0) return { ok: false, why: 'network namespaces need root' };
  try {
    run('ip', ['-V']);
    run('iptables', ['--version']);
  } catch (err) {
    return { ok: false, why: `ip or iptables missing (scripts/ensure-system-packages.sh installs them): ${(err as Error).message}` };
  }
  return { ok: true };
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The PID a name of ours encodes, or undefined for names that are not ours. */
function ownerOf(name: string): number | undefined {
  const match = new RegExp(`^${OWN_PREFIX}([0-9a-z]{5})`).exec(name);
  return match?.[1] === undefined ? undefined : parseInt(match[1], 36);
}

/** Deletes namespaces and links left by earlier runs of this harness whose process is gone. */
export function cleanLeftovers(): string[] {
  const removed: string[] = [];
  const namespaces = run('ip', ['netns', 'list']).split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => n !== '');
  const links = run('ip', ['-o', 'link', 'show']).split('\n').map((l) => /^\d+: ([^:@]+)/.exec(l)?.[1] ?? '').filter((n) => n !== '');
  for (const name of namespaces) {
    const owner = ownerOf(name);
    if (owner === undefined || isAlive(owner)) continue;
    tryRun('ip', ['netns', 'del', name]);
    removed.push(name);
  }
  for (const name of links) {
    const owner = ownerOf(name);
    if (owner === undefined || isAlive(owner)) continue;
    tryRun('ip', ['link', 'del', name]);
    removed.push(name);
  }
  return removed;
}

/** A free 10.77.X.0/24: one no interface of this host uses yet. */
function freeSubnet(): number {
  const used = run('ip', ['-4', '-o', 'addr', 'show']);
  for (let i = 0; i < 250; i++) {
    const x = (process.pid + i) % 250;
    if (!used.includes(` 10.77.${x}.`)) return x;
  }
  throw new Error('no free 10.77.X.0/24 subnet for the netns harness');
}

/** Topologies made by this process so far: a second one gets its own names. */
let made = 0;

export class Topology {
  // `tnm` + the owner's PID (5 base-36 digits) + one letter per topology of this process.
  readonly #tag = `${OWN_PREFIX}${process.pid.toString(36).padStart(5, '0')}${String.fromCharCode(97 + (made++ % 26))}`;
  readonly #subnet = freeSubnet();
  readonly #nodes = new Map<string, number>();
  #isUp = false;

  /** The namespace of a node. */
  ns(node: string): string {
    if (!this.#nodes.has(node)) throw new Error(`no node ${node} in this topology`);
    return `${this.#tag}-${node}`;
  }

  /** A node's address. */
  ip(node: string): string {
    const host = this.#nodes.get(node);
    if (host === undefined) throw new Error(`no node ${node} in this topology`);
    return `10.77.${this.#subnet}.${host}`;
  }

  /** The test process's own address on the bridge. */
  get hostIp(): string {
    return `10.77.${this.#subnet}.1`;
  }

  /** The command prefix that runs a program inside a node's namespace. */
  exec(node: string): string[] {
    return ['ip', 'netns', 'exec', this.ns(node)];
  }

  /** Creates the bridge and one namespace per node; `nodes` maps a name to its host number (2..254). */
  up(nodes: Record<string, number>): void {
    this.#isUp = true;
    const bridge = `${this.#tag}b`;
    run('ip', ['link', 'add', bridge, 'type', 'bridge']);
    run('ip', ['addr', 'add', `${this.hostIp}/24`, 'dev', bridge]);
    run('ip', ['link', 'set', bridge, 'up']);
    for (const [node, host] of Object.entries(nodes)) this.#addNode(node, host, bridge);
  }

  #addNode(node: string, host: number, bridge: string): void {
    this.#nodes.set(node, host);
    const ns = this.ns(node);
    const [outside, inside] = [`${this.#tag}h${host}`, `${this.#tag}p${host}`];
    run('ip', ['netns', 'add', ns]);
    run('ip', ['link', 'add', outside, 'type', 'veth', 'peer', 'name', inside]);
    run('ip', ['link', 'set', inside, 'netns', ns]);
    run('ip', ['link', 'set', outside, 'master', bridge, 'up']);
    run('ip', ['-n', ns, 'addr', 'add', `${this.ip(node)}/24`, 'dev', inside]);
    run('ip', ['-n', ns, 'link', 'set', inside, 'up']);
    run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    // Connection tracking from the first packet on, so a one-way cut knows who opened each
    // connection (a rule in mangle, which `heal` never flushes, turns it on for the namespace).
    this.#iptables(ns, ['-t', 'mangle', '-A', 'PREROUTING', '-m', 'conntrack', '--ctstate', 'NEW,ESTABLISHED']);
  }

  /**
   * Cuts `isolated` off from every node in `others`. `both`: no packet passes either way.
   * `one-way`: nothing the others send on connections they opened reaches `isolated` (their
   * pooled keep-alive sockets included), but `isolated` still reaches them: the answers on
   * connections it opened pass. A one-way firewall rule, as TCP can have one.
   */
  partition(isolated: string, others: readonly string[], mode: PartitionMode): void {
    const ns = this.ns(isolated);
    for (const other of others) {
      const ip = this.ip(other);
      if (mode === 'both') {
        this.#iptables(ns, ['-A', 'INPUT', '-s', ip, '-j', 'DROP']);
        this.#iptables(ns, ['-A', 'OUTPUT', '-d', ip, '-j', 'DROP']);
      } else {
        this.#iptables(ns, ['-A', 'INPUT', '-s', ip, '-m', 'conntrack', '--ctdir', 'ORIGINAL', '-j', 'DROP']);
      }
    }
  }

  /** Removes every partition rule. */
  heal(): void {
    for (const node of this.#nodes.keys()) {
      this.#iptables(this.ns(node), ['-F', 'INPUT']);
      this.#iptables(this.ns(node), ['-F', 'OUTPUT']);
    }
  }

  /** Deletes every namespace and link of this run; safe to call twice and after a failed `up`. */
  down(): void {
    if (!this.#isUp) return;
    for (const node of this.#nodes.keys()) tryRun('ip', ['netns', 'del', this.ns(node)]);
    tryRun('ip', ['link', 'del', `${this.#tag}b`]);
    for (const host of this.#nodes.values()) tryRun('ip', ['link', 'del', `${this.#tag}h${host}`]);
    this.#nodes.clear();
    this.#isUp = false;
  }

  #iptables(ns: string, args: string[]): void {
    run('ip', ['netns', 'exec', ns, 'iptables', '-w', '5', ...args]);
  }
}
