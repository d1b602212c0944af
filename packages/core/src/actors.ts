/**
 * Cluster bootstrap lists, as 003's and 004's clients send them: `POST /config {"actors": [...]}`.
 * An actor is a URL (`http://10.0.0.2:7001`), `host:port`, or a bare host, which then means this
 * server's own port (003 ran every node on 7777). Each becomes a normalized `http(s)://host:port`
 * URL, the form peers are known by everywhere else.
 */
import { TallyError, quote } from './errors.js';

export const MAX_ACTORS = 100;
export const ACTOR_RULE = 'an actor is an http(s) URL, host:port, or a bare host (1-253 characters, no spaces)';

const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)$/;
const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[^:/\s]+)(?::([0-9]{1,5}))?$/;

const badActors = (message: string): TallyError => new TallyError(400, 'bad_actors', message);

/** One actor to its URL; undefined when it breaks the rule. */
export function actorUrl(actor: string, defaultPort: number): string | undefined {
  if (/^https?:\/\//i.test(actor)) {
    let url: URL;
    try {
      url = new URL(actor);
    } catch {
      return undefined;
    }
    if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '') return undefined;
    return url.origin;
  }
  const match = HOST_PORT.exec(actor);
  const host = match?.[1];
  if (host === undefined || !HOST.test(host)) return undefined;
  const port = match?.[2] === undefined ? defaultPort : Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  return new URL(`http://${host}:${port}`).origin;
}

/**
 * Validates a `POST /config` body (already parsed JSON) and returns the actors' URLs, without
 * duplicates, in the order given. A bad list is refused whole, naming the index and the rule.
 */
export function parseActors(body: unknown, defaultPort: number): string[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body) || !('actors' in body)) {
    throw badActors(`body must be an object like {"actors": ["127.0.0.1:7001", "127.0.0.1:7002"]}, got ${quote(body)}`);
  }
  const actors = (body as { actors: unknown }).actors;
  if (!Array.isArray(actors)) throw badActors(`"actors" must be an array of strings, got ${quote(actors)}`);
  if (actors.length > MAX_ACTORS) throw badActors(`"actors" holds at most ${MAX_ACTORS} entries, got ${actors.length}`);
  const urls: string[] = [];
  actors.forEach((actor: unknown, index) => {
    const url = typeof actor === 'string' ? actorUrl(actor.trim(), defaultPort) : undefined;
    if (url === undefined) throw badActors(`actors[${index}]: ${ACTOR_RULE}, got ${quote(actor)}`);
    if (!urls.includes(url)) urls.push(url);
  });
  return urls;
}
