/**
 * Increments per second and the p99 latency of public requests over the last ~10 s, for
 * `/internal/stats`. Ten one-second buckets in a ring; a recording is a clock read, an array
 * index and an add, so the hot path stays cheap (no Prometheus histogram per request).
 * Latencies land in log-spaced buckets (each 2^(1/4) ≈ 19 % wider than the last), so the p99 is
 * the upper bound of its bucket: within 19 % of the truth, which is all a dashboard needs.
 */
const WINDOW_SECONDS = 10;
const STEPS_PER_DOUBLING = 4;
const SMALLEST_MS = 0.01;
const LATENCY_BUCKETS = 80; // up to 0.01 ms * 2^(79/4) ≈ 8.8 s; slower requests land in the last

interface Second {
  at: number;
  increments: number;
  requests: number;
  latency: Uint32Array;
}

export class RollingStats {
  readonly #now: () => number;
  readonly #startedAt: number;
  readonly #ring: Second[];
  // A number (exact to 2^53 increments, centuries at any rate a process takes): a BigInt add allocates.
  #incrementsTotal = 0;

  constructor(now: () => number) {
    this.#now = now;
    this.#startedAt = now();
    this.#ring = Array.from({ length: WINDOW_SECONDS }, () => ({ at: -1, increments: 0, requests: 0, latency: new Uint32Array(LATENCY_BUCKETS) }));
  }

  get startedAt(): number {
    return this.#startedAt;
  }

  get incrementsTotal(): bigint {
    return BigInt(this.#incrementsTotal);
  }

  countIncrement(): void {
    this.#incrementsTotal++;
    this.#second().increments++;
  }

  recordRequest(ms: number): void {
    const bucket = ms <= SMALLEST_MS ? 0 : Math.min(LATENCY_BUCKETS - 1, Math.ceil(STEPS_PER_DOUBLING * Math.log2(ms / SMALLEST_MS)));
    const second = this.#second();
    second.requests++;
    (second.latency[bucket] as number)++;
  }

  /** Increments per second over the window (or since start, if that is shorter). */
  incrementsPerSecond(): number {
    const seconds = this.#windowSeconds();
    let sum = 0;
    for (const s of this.#recent()) sum += s.increments;
    return Math.round((sum / Math.max(1, seconds)) * 100) / 100;
  }

  /** p99 of recorded request latencies in the window, in ms; null when there were none. */
  latencyP99Ms(): number | null {
    const merged = new Uint32Array(LATENCY_BUCKETS);
    let total = 0;
    for (const s of this.#recent()) {
      total += s.requests;
      for (let i = 0; i < LATENCY_BUCKETS; i++) (merged[i] as number) += s.latency[i] as number;
    }
    if (total === 0) return null;
    const rank = Math.ceil(total * 0.99);
    let seen = 0;
    for (let i = 0; i < LATENCY_BUCKETS; i++) {
      seen += merged[i] as number;
      if (seen >= rank) return Math.round(SMALLEST_MS * 2 ** (i / STEPS_PER_DOUBLING) * 1000) / 1000;
    }
    return null;
  }

  #second(): Second {
    const at = Math.floor(this.#now() / 1000);
    const s = this.#ring[at % WINDOW_SECONDS] as Second;
    if (s.at !== at) {
      s.at = at;
      s.increments = 0;
      s.requests = 0;
      s.latency.fill(0);
    }
    return s;
  }

  #recent(): Second[] {
    const current = Math.floor(this.#now() / 1000);
    return this.#ring.filter((s) => s.at > current - WINDOW_SECONDS && s.at <= current);
  }

  #windowSeconds(): number {
    const now = this.#now();
    const windowStart = (Math.floor(now / 1000) - WINDOW_SECONDS + 1) * 1000;
    return (now - Math.max(windowStart, this.#startedAt)) / 1000;
  }
}
