/**
 * The balancer's `GET /servers` entries: `{id, url, status}` always, and the load and lag fields
 * the balancer aggregates from each server's stats when it has them (all optional, so an older
 * balancer still works).
 */
import type { ServerInfo } from '@tally/core';
import { isRecord } from './answers.js';

export interface PeerLag {
  id: string;
  lagSeconds: number | null;
}

export interface ServerStatus extends ServerInfo {
  incarnation?: number;
  uptimeSeconds?: number;
  incrementsPerSecond?: number;
  latencyP99Ms?: number | null;
  maxLagSeconds?: number | null;
  peers?: PeerLag[];
}

const NUMBER_FIELDS = ['incarnation', 'uptimeSeconds', 'incrementsPerSecond'] as const;
const NULLABLE_FIELDS = ['latencyP99Ms', 'maxLagSeconds'] as const;

/** Keeps the optional fields whose type is right and drops the rest. */
export function serverStatusesOf(list: readonly ServerInfo[]): ServerStatus[] {
  return list.map((info) => {
    const raw = info as ServerInfo & Record<string, unknown>;
    const status: ServerStatus = { id: info.id, url: info.url, status: info.status };
    for (const key of NUMBER_FIELDS) if (typeof raw[key] === 'number') status[key] = raw[key];
    for (const key of NULLABLE_FIELDS) if (typeof raw[key] === 'number' || raw[key] === null) status[key] = raw[key];
    if (Array.isArray(raw.peers)) status.peers = raw.peers.filter(isRecord).filter((p) => typeof p.id === 'string').map(peerLag);
    return status;
  });
}

const peerLag = (p: Record<string, unknown>): PeerLag => ({ id: String(p.id), lagSeconds: typeof p.lagSeconds === 'number' ? p.lagSeconds : null });
