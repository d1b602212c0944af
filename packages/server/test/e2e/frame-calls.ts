/**
 * Helpers for e2e tests that play a peer: frames sent with the cluster secret, and /metrics reads.
 */
import { expect } from 'chai';
import { SECRET, http } from './harness.js';

const AUTH = { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' };

export interface Ack {
  slot: string;
  merged: number;
  refused: Array<{ name: string; slot: string | null; reason: string }>;
  refusedCount: number;
}

export async function sendFrame(url: string, frame: unknown): Promise<{ status: number; body: string }> {
  const res = await http.post(`${url}/internal/replicate`, { body: typeof frame === 'string' ? frame : JSON.stringify(frame), headers: AUTH });
  return { status: res.statusCode, body: res.body };
}

export async function ackOf(url: string, frame: unknown): Promise<Ack> {
  const res = await sendFrame(url, frame);
  expect(res.status, res.body).to.equal(200);
  return JSON.parse(res.body) as Ack;
}

/** Sum of a metric's samples whose labels contain `labels` (e.g. `reason="beyond_owner"`). */
export async function metric(url: string, name: string, labels = ''): Promise<number> {
  const text = (await http.get(`${url}/metrics`)).body;
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (labels !== '' && !line.includes(labels)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

