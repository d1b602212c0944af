/**
 * One seeded harness of replication traces for every data type, after Collabs' CRDT test
 * harness: sequential, concurrent, diamond and partition traces, each run on the type's real
 * implementation. States travel between replicas as `toJSON` -> JSON text -> `fromJSON`, the way
 * they travel between servers, so the wire form is part of every trace.
 *
 * A type joins by describing how replica `i` makes a local operation (`opFor`) and what value a
 * set of operations must read as (`expected`); the harness checks convergence and that value.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import type { DataType } from '../../src/data-type.js';

export interface TraceSubject<State, Op, Json, Value> {
  type: DataType<State, Op, Json, Value>;
  /** A local operation issued by replica `replica`; types with owners (slots) key them by it. */
  opFor: (replica: number) => fc.Arbitrary<Op>;
  /** The value every replica reads once it has seen exactly `ops`. */
  expected: (ops: readonly Op[]) => Value;
  seed: number;
  numRuns?: number;
}

type Trace = 'sequential' | 'concurrent' | 'diamond' | 'partition';
export const TRACES: readonly Trace[] = ['sequential', 'concurrent', 'diamond', 'partition'];

/** Defines one `it` per trace for `subject`, inside the caller's `describe`. */
export function describeTraces<State, Op, Json, Value>(subject: TraceSubject<State, Op, Json, Value>): void {
  for (const trace of TRACES) {
    it(`converges on a ${trace} trace`, () => runTrace(subject, trace));
  }
}

export function runTrace<State, Op, Json, Value>(subject: TraceSubject<State, Op, Json, Value>, trace: Trace): void {
  const ops = (replica: number): fc.Arbitrary<Op[]> => fc.array(subject.opFor(replica), { maxLength: 12 });
  const all = fc.tuple(ops(0), ops(1), ops(2), ops(3));
  fc.assert(
    fc.property(all, (perReplica) => {
      const cluster = new Cluster(subject.type, 4);
      const run = { sequential, concurrent, diamond, partition }[trace];
      run(cluster, perReplica);
      cluster.expectConverged(subject.expected(perReplica.flat()));
    }),
    { seed: subject.seed, numRuns: subject.numRuns ?? 100 },
  );
}

/** Replica 0 applies everything; every other replica learns it through a chain 0 -> 1 -> 2 -> 3. */
function sequential<S, O, J, V>(c: Cluster<S, O, J, V>, ops: O[][]): void {
  for (const op of ops.flat()) c.update(0, op);
  c.send(0, 1);
  c.send(1, 2);
  c.send(2, 3);
}

/** Every replica updates at once, then all pairs exchange states both ways, twice (duplicates). */
function concurrent<S, O, J, V>(c: Cluster<S, O, J, V>, ops: O[][]): void {
  ops.forEach((list, i) => list.forEach((op) => c.update(i, op)));
  for (let round = 0; round < 2; round++) {
    for (let a = 0; a < c.size; a++) for (let b = 0; b < c.size; b++) if (a !== b) c.send(a, b);
  }
}

/** 0 updates and fans out to 1 and 2, which update concurrently and both reach 3, then back. */
function diamond<S, O, J, V>(c: Cluster<S, O, J, V>, ops: O[][]): void {
  ops[0]?.forEach((op) => c.update(0, op));
  c.send(0, 1);
  c.send(0, 2);
  ops[1]?.forEach((op) => c.update(1, op));
  ops[2]?.forEach((op) => c.update(2, op));
  ops[3]?.forEach((op) => c.update(3, op));
  c.send(2, 3);
  c.send(1, 3);
  for (let i = 0; i < 3; i++) c.send(3, i);
}

/** {0, 1} and {2, 3} update and gossip apart, then the partition heals through one link. */
function partition<S, O, J, V>(c: Cluster<S, O, J, V>, ops: O[][]): void {
  ops.forEach((list, i) => list.forEach((op) => c.update(i, op)));
  c.send(0, 1);
  c.send(1, 0);
  c.send(3, 2);
  c.send(2, 3);
  c.send(1, 2); // the heal: one link, so knowledge must travel through replicas' merges
  c.send(2, 1);
  c.send(1, 0);
  c.send(2, 3);
}

class Cluster<State, Op, Json, Value> {
  readonly #type: DataType<State, Op, Json, Value>;
  readonly #replicas: State[];

  constructor(type: DataType<State, Op, Json, Value>, size: number) {
    this.#type = type;
    this.#replicas = Array.from({ length: size }, () => type.create());
  }

  get size(): number {
    return this.#replicas.length;
  }

  update(replica: number, op: Op): void {
    this.#type.update(this.#at(replica), op);
  }

  /** `from`'s whole state reaches `to` over the wire. */
  send(from: number, to: number): void {
    const wire: unknown = JSON.parse(JSON.stringify(this.#type.toJSON(this.#at(from))));
    this.#type.merge(this.#at(to), this.#type.fromJSON(wire));
  }

  expectConverged(expected: Value): void {
    const first = this.#at(0);
    for (const state of this.#replicas) {
      expect(this.#type.equals(state, first), 'replicas hold equal states').to.equal(true);
      expect(this.#type.value(state)).to.deep.equal(expected);
    }
  }

  #at(replica: number): State {
    const state = this.#replicas[replica];
    if (state === undefined) throw new Error(`no replica ${replica}`);
    return state;
  }
}
