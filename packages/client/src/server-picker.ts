/**
 * Which counting server the client talks to. It asks the balancer once and keeps the answer
 * (the balancer's rendezvous hashing gives a client the same server while that server is up),
 * and asks again, excluding the servers that failed, only when told the current one is gone.
 * A server given directly, or pinned with `use`, is never left.
 */
import type { Assignment, ServerInfo } from '@tally/core';
import { answerError, assignmentOf, errorFields, serverListOf, trimSlashes } from './answers.js';
import { normalizeUrl } from './checks.js';
import { TallyClientError } from './errors.js';
import type { HttpCaller, HttpAnswer } from './http-call.js';

export interface ServerPickerOptions {
  http: HttpCaller;
  clientId: string;
  balancer: string | undefined;
  /** A server URL to use directly, without the balancer. */
  server: string | undefined;
}

export class ServerPicker {
  readonly #http: HttpCaller;
  readonly #clientId: string;
  readonly #balancer: string | undefined;
  #current: Assignment | undefined;
  /** True when the current server was chosen by the user (`server` option or `use`). */
  #isPinned: boolean;

  constructor(options: ServerPickerOptions) {
    this.#http = options.http;
    this.#clientId = options.clientId;
    this.#balancer = options.balancer === undefined ? undefined : normalizeUrl(options.balancer, 'balancer');
    this.#current = options.server === undefined ? undefined : directAssignment(normalizeUrl(options.server, 'server'));
    this.#isPinned = options.server !== undefined;
  }

  /** Whether a failing server may be replaced by another one from the balancer. */
  get canMove(): boolean {
    return !this.#isPinned;
  }

  current(): Assignment | undefined {
    return this.#current;
  }

  /** The current server, or a new one from the balancer that is none of `excluded`. */
  async pick(excluded: readonly string[], signal?: AbortSignal): Promise<Assignment> {
    if (this.#current !== undefined && (this.#isPinned || !excluded.includes(this.#current.id))) return this.#current;
    const query = new URLSearchParams({ client: this.#clientId });
    if (excluded.length > 0) query.set('exclude', excluded.join(','));
    const answer = await this.#askBalancer(`/assign?${query}`, signal);
    if (answer.status !== 200) throw noServer(answer);
    this.#current = assignmentOf(answer);
    return this.#current;
  }

  /** Forgets `server` if it is the current one, so the next `pick` asks the balancer. */
  drop(server: Assignment): void {
    if (!this.#isPinned && this.#current?.id === server.id) this.#current = undefined;
  }

  async servers(signal?: AbortSignal): Promise<ServerInfo[]> {
    const answer = await this.#askBalancer('/servers', signal);
    if (answer.status !== 200) throw answerError(answer);
    return serverListOf(answer);
  }

  /**
   * Takes a member out for good (`DELETE /servers/:id` on the balancer, with the cluster
   * secret); `force` for a server that can't be reached. Resolves to the balancer's answer.
   */
  async removeServer(id: string, options: { force: boolean; secret: string | undefined; timeoutMs: number }): Promise<Record<string, unknown>> {
    if (options.secret === undefined || options.secret === '') {
      throw new TallyClientError('no_secret', 'removing a server needs the cluster secret: pass --secret or set TALLY_SECRET');
    }
    const path = `/servers/${encodeURIComponent(id)}${options.force ? '?force=true' : ''}`;
    const answer = await this.#askBalancer(path, undefined, { method: 'DELETE', secret: options.secret, timeoutMs: options.timeoutMs });
    if (answer.status !== 200) {
      const error = errorFields(answer);
      throw new TallyClientError(error.code, `the balancer did not remove '${id}': ${error.message}`, answer.status);
    }
    return answer.body as Record<string, unknown>;
  }

  /** Pins the client to the server with this id in the balancer's list. */
  async use(id: string, signal?: AbortSignal): Promise<Assignment> {
    const list = await this.servers(signal);
    const found = list.find((s) => s.id === id);
    if (found === undefined) {
      const known = list.length === 0 ? 'it lists none' : `known: ${list.map((s) => s.id).join(', ')}`;
      throw new TallyClientError('unknown_server', `no server '${id}' in the balancer's list (${known})`);
    }
    this.#current = { id: found.id, url: found.url };
    this.#isPinned = true;
    return this.#current;
  }

  /** Lets the balancer choose again (`use balancer`); a server given with `--server` stays. */
  unpin(): void {
    if (this.#balancer === undefined) {
      throw new TallyClientError('no_balancer', 'no balancer is configured to hand out servers; pass --balancer host:port');
    }
    this.#isPinned = false;
    this.#current = undefined;
  }

  async #askBalancer(path: string, signal?: AbortSignal, how: { method: 'GET' | 'DELETE'; secret?: string; timeoutMs?: number } = { method: 'GET' }): Promise<HttpAnswer> {
    if (this.#balancer === undefined) {
      throw new TallyClientError('no_balancer', 'no balancer is configured; pass --balancer URL');
    }
    const headers: Record<string, string> = { accept: 'application/json', ...(how.secret === undefined ? {} : { authorization: `Bearer ${how.secret}` }) };
    const timeout = how.timeoutMs === undefined ? {} : { timeoutMs: how.timeoutMs };
    const outcome = await this.#http.call({ method: how.method, url: `${this.#balancer}${path}`, headers, signal, ...timeout });
    if (outcome.kind === 'cancelled') throw cancelled();
    if (outcome.kind !== 'answer') {
      throw new TallyClientError('balancer_unreachable', `cannot reach the balancer at ${this.#balancer}: ${outcome.reason}`);
    }
    return outcome;
  }
}

export const cancelled = (): TallyClientError => new TallyClientError('cancelled', 'cancelled');

function noServer(answer: HttpAnswer): TallyClientError {
  const error = answerError(answer);
  return new TallyClientError(error.code, `the balancer has no server to give: ${error.message}`, error.status);
}

/** A server given by URL has no known id; its host:port stands in for one. */
const directAssignment = (url: string): Assignment => ({ id: new URL(url).host, url });
