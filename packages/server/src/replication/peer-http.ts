/**
 * The one HTTP client for calls to peers and the balancer: keep-alive sockets (replication and
 * consistent reads are latency-bound), a timeout on every call, no automatic retries (the
 * callers own their retry policy), and the cluster secret on every request.
 */
import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import got, { type Got } from 'got';

export function createPeerHttp(options: { secret: string; timeoutMs: number }): Got {
  return got.extend({
    timeout: { request: options.timeoutMs },
    retry: { limit: 0 },
    throwHttpErrors: false,
    agent: {
      http: new Agent({ keepAlive: true, maxSockets: 64 }),
      https: new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
    },
    headers: { authorization: `Bearer ${options.secret}` },
  });
}
