/** A pino logger that keeps every line it writes, parsed, for tests that check what was logged. */
import { pino, type Logger } from 'pino';

export function recordingLog(level: pino.Level = 'info'): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines };
}
