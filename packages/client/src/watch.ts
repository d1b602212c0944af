/**
 * `GET /counter/:name/watch`: a Server-Sent Events stream with one `value` event per change. It
 * runs until the caller's signal aborts (a clean end) or the stream fails or ends (an error that
 * names the server). eventsource-parser does the SSE framing.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { Assignment } from '@tally/core';
import { describeServer, TallyClientError } from './errors.js';
import type { HttpCaller } from './http-call.js';

export interface WatchOptions {
  /** Aborting it ends the watch; the promise then resolves. */
  signal: AbortSignal;
  onValue: (name: string, value: bigint) => void;
}

export interface WatchTarget {
  url: string;
  headers: Record<string, string>;
  server: Assignment;
  /** Longest silence accepted between chunks; the server's heartbeat comes every ~15 s. */
  idleMs: number;
}

export async function watchCounter(http: HttpCaller, target: WatchTarget, options: WatchOptions): Promise<void> {
  const stream = http.stream(target.url, { headers: { ...target.headers, accept: 'text/event-stream' }, signal: options.signal, idleMs: target.idleMs });
  let failure: Error | undefined;
  let last: bigint | undefined;
  const parser = createParser({
    onEvent: (event: EventSourceMessage) => {
      if (event.event !== 'value') return;
      const parsed = parseValue(event.data);
      if (parsed === undefined) failure ??= new TallyClientError('bad_answer', `watch event without {name, value}: ${event.data.slice(0, 200)}`);
      // A merge that changes nothing can still be announced; the user asked for changes.
      else if (parsed.value !== last) {
        last = parsed.value;
        options.onValue(parsed.name, parsed.value);
      }
    },
  });
  stream.on('response', (response: { statusCode: number }) => {
    if (response.statusCode !== 200) failure ??= new TallyClientError(`http_${response.statusCode}`, `watch answered ${response.statusCode}`, response.statusCode);
  });
  try {
    for await (const chunk of stream) {
      parser.feed((chunk as Buffer).toString('utf8'));
      // Checked after the chunk, not before the next one: a bad event is reported now, not after
      // the next heartbeat (or as an idle timeout if none comes).
      if (failure !== undefined) break;
    }
  } catch (err) {
    if (options.signal.aborted) return;
    throw new TallyClientError('watch_failed', `watching on server ${describeServer(target.server)} failed: ${(err as Error).message}`);
  } finally {
    stream.destroy();
  }
  if (failure !== undefined) throw failure;
  if (!options.signal.aborted) throw new TallyClientError('watch_ended', `server ${describeServer(target.server)} ended the watch (it may be shutting down)`);
}

function parseValue(data: string): { name: string; value: bigint } | undefined {
  try {
    const body = JSON.parse(data) as { name?: unknown; value?: unknown };
    if (typeof body.name !== 'string' || typeof body.value !== 'string' || !/^-?[0-9]+$/.test(body.value)) return undefined;
    return { name: body.name, value: BigInt(body.value) };
  } catch {
    return undefined;
  }
}
