/** Builds a server over a MemoryStore and recovers it, without listening: for unit tests. */
import { pino } from 'pino';
import { resolveConfig, TallyError, type ServerConfig } from '@tally/core';
import { createApp } from '../../src/app.js';
import type { MemoryStore } from './memory-store.js';

export const silentLog = pino({ level: 'silent' });

export function serverConfig(overrides: Record<string, string> = {}): ServerConfig {
  const result = resolveConfig('tally-server', { env: {}, flags: { secret: 's', 'startup-pull-timeout-ms': '200', ...overrides } });
  if (!result.ok) throw new Error(result.problems.join('; '));
  return result.config;
}

export async function startServer(store: MemoryStore, now = () => 1_000_000, overrides: Record<string, string> = {}) {
  const tally = createApp(serverConfig(overrides), { id: 'a', url: 'http://127.0.0.1:1', store, log: silentLog, now });
  const report = await tally.recover();
  return { service: tally.service, report, tally };
}

export async function rejection(promise: Promise<unknown>): Promise<TallyError> {
  try {
    await promise;
  } catch (err) {
    return err as TallyError;
  }
  throw new Error('expected a rejection');
}
