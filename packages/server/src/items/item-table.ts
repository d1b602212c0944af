/**
 * Every tenant's item set on this server, plus the journal: every id this server holds, in the
 * order it learned it. The journal is what replication ships (a peer's progress is one index
 * into it) and what a session token points into. It is two parallel arrays of references to the
 * strings the sets already hold, so it costs 16 bytes per id.
 *
 * Only durable ids enter the table: the service adds them once they are in this server's log.
 */
import { itemSet, type ItemGroups, type ItemSet } from '@tally/core';

export class ItemTable {
  readonly #sets = new Map<string, ItemSet>();
  readonly #journalTenants: string[] = [];
  readonly #journalIds: string[] = [];

  /** Number of distinct ids of `tenant` (0 for an unknown tenant). */
  count(tenant: string): bigint {
    const set = this.#sets.get(tenant);
    return set === undefined ? 0n : itemSet.value(set);
  }

  has(tenant: string, id: string): boolean {
    return this.#sets.get(tenant)?.has(id) ?? false;
  }

  ids(tenant: string): string[] {
    const set = this.#sets.get(tenant);
    return set === undefined ? [] : itemSet.toJSON(set);
  }

  /** Journal length: how many ids this server holds, over every tenant. */
  get journalLength(): number {
    return this.#journalIds.length;
  }

  get tenants(): number {
    return this.#sets.size;
  }

  /** Adds the ids; the new ones enter the journal. Returns how many were new. */
  add(groups: ItemGroups): number {
    let added = 0;
    for (const [tenant, ids] of groups) {
      let set = this.#sets.get(tenant);
      if (set === undefined) {
        set = itemSet.create();
        this.#sets.set(tenant, set);
      }
      for (const id of ids) {
        if (!itemSet.update(set, id)) continue;
        this.#journalTenants.push(tenant);
        this.#journalIds.push(id);
        added++;
      }
    }
    return added;
  }

  /** Keeps only the ids not held yet (and each once): what a write or a frame must log. */
  unknown(groups: ItemGroups): ItemGroups {
    const out: ItemGroups = [];
    for (const [tenant, ids] of groups) {
      const fresh = [...new Set(ids)].filter((id) => !this.has(tenant, id));
      if (fresh.length > 0) out.push([tenant, fresh]);
    }
    return out;
  }

  /** Journal entries [start, end), grouped by runs of the same tenant. */
  journal(start: number, end: number): ItemGroups {
    const groups: ItemGroups = [];
    let last: [string, string[]] | undefined;
    for (let i = start; i < Math.min(end, this.journalLength); i++) {
      const tenant = this.#journalTenants[i] as string;
      if (last === undefined || last[0] !== tenant) {
        last = [tenant, []];
        groups.push(last);
      }
      last[1].push(this.#journalIds[i] as string);
    }
    return groups;
  }
}
