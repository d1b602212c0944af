/**
 * Errors that cross a process boundary carry an HTTP status, a stable machine code and whether
 * the message may reach the client (koa's `expose`). 4xx messages say what was wrong and with
 * which value; 5xx render as "internal error" and the whole error goes to the log.
 */
export class TallyError extends Error {
  readonly status: number;
  readonly code: string;
  readonly expose: boolean;
  /** Extra JSON fields rendered next to `code` and `message` (e.g. the best value on a 408). */
  readonly details: Record<string, unknown> | undefined;

  /** `options.expose` shows a 5xx's message too, when the caller must act on it. */
  constructor(status: number, code: string, message: string, details?: Record<string, unknown>, options?: { expose?: boolean }) {
    super(message);
    this.name = 'TallyError';
    this.status = status;
    this.code = code;
    // 503 is deliberate (not ready, no servers): its message helps the caller, so it is shown.
    this.expose = options?.expose ?? (status < 500 || status === 503);
    this.details = details;
  }
}

export const badRequest = (code: string, message: string): TallyError =>
  new TallyError(400, code, message);

/** Quotes a user-supplied value for an error message, cut so a huge input can't flood a log. */
export function quote(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
  } catch {
    text = String(value); // circular: say something rather than throw while reporting an error
  }
  return `'${text.length > 60 ? `${text.slice(0, 60)}…` : text}'`;
}
