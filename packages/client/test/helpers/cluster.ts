/** A fake balancer in front of fake servers, all closed by `close()`. */
import { FakeBalancer } from './fake-balancer.js';
import { FakeServer } from './fake-server.js';

export interface FakeCluster {
  balancer: FakeBalancer;
  servers: FakeServer[];
  close: () => Promise<void>;
}

export async function startCluster(ids: string[]): Promise<FakeCluster> {
  const servers = await Promise.all(ids.map((id) => FakeServer.start(id)));
  const balancer = await FakeBalancer.start(servers.map((s) => ({ id: s.id, url: s.url })));
  return {
    balancer,
    servers,
    close: async () => {
      await Promise.all([balancer.close(), ...servers.map((s) => s.close())]);
    },
  };
}

/** The i-th element, failing loudly instead of handing back undefined. */
export function at<T>(list: readonly T[], i: number): T {
  const item = list[i];
  if (item === undefined) throw new Error(`no element ${i} in a list of ${list.length}`);
  return item;
}

/** Client options that make retries and timeouts quick against the fakes. */
export const FAST = { timeoutMs: 300, retryDelayMs: 5 };

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}
