import { isServerId } from './names.js';

/**
 * A slot is one server incarnation's share of a counter. Its id is `serverId:incarnation`, where
 * the incarnation is a positive integer that only grows for a given server id (we use
 * max(known + 1, wall-clock ms), so a server that lost its disk can't collide with its past).
 */
export type SlotId = string;

export interface SlotIdParts {
  serverId: string;
  incarnation: number;
}

export const formatSlotId = (serverId: string, incarnation: number): SlotId =>
  `${serverId}:${incarnation}`;

/** Parses a slot id; undefined when it is not one. */
export function parseSlotId(slot: string): SlotIdParts | undefined {
  const colon = slot.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const serverId = slot.slice(0, colon);
  const digits = slot.slice(colon + 1);
  if (!isServerId(serverId) || !/^[1-9][0-9]{0,15}$/.test(digits)) return undefined;
  const incarnation = Number(digits);
  return Number.isSafeInteger(incarnation) ? { serverId, incarnation } : undefined;
}

export const isSlotId = (slot: string): boolean => parseSlotId(slot) !== undefined;
