/**
 * Counter names in sorted order, for paging `GET /counters`. Counters are never dropped, and the
 * table's Map keeps insertion order, so the names added since the last look are exactly the ones
 * past the old size: an update sorts only those and merges them in (O(N) copy, no full re-sort),
 * and a page is a binary search plus `limit` steps.
 */
export interface NameSource {
  readonly size: number;
  names(): IterableIterator<string>;
}

export class SortedNames {
  readonly #source: NameSource;
  #sorted: string[] = [];

  constructor(source: NameSource) {
    this.#source = source;
  }

  /** Up to `limit` names that start with `prefix` and sort after `after`, plus whether more follow. */
  page(prefix: string, after: string | undefined, limit: number): { names: string[]; hasMore: boolean } {
    const sorted = this.#current();
    const from = after !== undefined && after >= prefix ? firstAbove(sorted, after) : firstAtLeast(sorted, prefix);
    const names: string[] = [];
    for (let i = from; i < sorted.length; i++) {
      const name = sorted[i] as string;
      if (!name.startsWith(prefix)) break;
      if (names.length === limit) return { names, hasMore: true };
      names.push(name);
    }
    return { names, hasMore: false };
  }

  #current(): string[] {
    const known = this.#sorted.length;
    if (this.#source.size === known) return this.#sorted;
    const added: string[] = [];
    let index = 0;
    for (const name of this.#source.names()) if (index++ >= known) added.push(name);
    this.#sorted = mergeSorted(this.#sorted, added.sort());
    return this.#sorted;
  }
}

function mergeSorted(a: readonly string[], b: readonly string[]): string[] {
  const out = new Array<string>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = (a[i] as string) <= (b[j] as string) ? (a[i++] as string) : (b[j++] as string);
  while (i < a.length) out[k++] = a[i++] as string;
  while (j < b.length) out[k++] = b[j++] as string;
  return out;
}

/** Index of the first name >= key. */
function firstAtLeast(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first name > key. */
function firstAbove(sorted: readonly string[], key: string): number {
  const at = firstAtLeast(sorted, key);
  return sorted[at] === key ? at + 1 : at;
}
