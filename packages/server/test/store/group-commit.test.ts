import { expect } from 'chai';
import { GroupCommit } from '../../src/store/group-commit.js';

/** A commit that blocks until released, recording each batch it was given. */
function gatedCommit() {
  const batches: number[][] = [];
  let release: () => void = () => undefined;
  let failWith: Error | undefined;
  const commit = async (items: number[]): Promise<void> => {
    batches.push(items);
    await new Promise<void>((resolve) => {
      release = resolve;
    });
    if (failWith !== undefined) throw failWith;
  };
  return {
    batches,
    commit,
    release: () => release(),
    fail: (err: Error) => {
      failWith = err;
    },
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit#submit()', () => {
  it('commits items submitted in one synchronous run as one batch', async () => {
    const gate = gatedCommit();
    const group = new GroupCommit({ commit: gate.commit });
    const done = Promise.all([1, 2, 3].map((i) => group.submit(i)));
    await tick();
    gate.release();
    await done;
    expect(gate.batches).to.deep.equal([[1, 2, 3]]);
  });

  it('queues items submitted while a batch is in flight for the next batch', async () => {
    const gate = gatedCommit();
    const group = new GroupCommit({ commit: gate.commit });
    const first = group.submit(1);
    await tick();
    const rest = [group.submit(2), group.submit(3)];
    gate.release();
    await first;
    await tick();
    gate.release();
    await Promise.all(rest);
    expect(gate.batches).to.deep.equal([[1], [2, 3]]);
  });

  it('rejects the failed batch and everything queued, then refuses new items', async () => {
    const gate = gatedCommit();
    const group = new GroupCommit({ commit: gate.commit });
    const first = group.submit(1).catch((e: Error) => e.message);
    await tick();
    const queued = group.submit(2).catch((e: Error) => e.message);
    gate.fail(new Error('EIO'));
    gate.release();
    expect(await first).to.equal('EIO');
    expect(await queued).to.match(/refuses appends after a failed write: EIO/);
    expect(await group.submit(3).catch((e: Error) => e.message)).to.match(/refuses/);
    expect(gate.batches).to.deep.equal([[1]]);
  });

  it('caps a batch at maxBatch items', async () => {
    const batches: number[][] = [];
    const group = new GroupCommit<number>({ commit: async (items) => void batches.push(items), maxBatch: 2 });
    await Promise.all([1, 2, 3, 4, 5].map((i) => group.submit(i)));
    expect(batches).to.deep.equal([[1, 2], [3, 4], [5]]);
  });
});

describe('GroupCommit#schedule()', () => {
  it('runs a task between batches, never during a commit', async () => {
    const events: string[] = [];
    let isCommitting = false;
    const group = new GroupCommit<number>({
      commit: async () => {
        isCommitting = true;
        await tick();
        isCommitting = false;
      },
    });
    const first = group.submit(1);
    await Promise.resolve();
    group.schedule(async () => void events.push(isCommitting ? 'during' : 'between'));
    await first;
    await group.idle();
    expect(events).to.deep.equal(['between']);
  });
});

describe('GroupCommit#run()', () => {
  it('runs its task before the next batch and settles, while submissions never stop', async () => {
    const group = new GroupCommit<number>({ commit: () => tick() });
    let isStopped = false;
    let batchesBefore = -1;
    // A steady stream: the loop is never idle, so a caller waiting for idle() would wait forever.
    const stream = (async () => {
      for (let i = 0; !isStopped && i < 10_000; i++) await group.submit(i);
    })();
    await tick();
    await group.run(async () => {
      batchesBefore = group.batches;
    });
    const batchesAfter = group.batches;
    isStopped = true;
    await stream;
    expect(batchesBefore).to.be.greaterThan(0);
    expect(batchesAfter - batchesBefore).to.be.at.most(1);
  });

  it("rejects with the task's error, which fails the committer", async () => {
    const group = new GroupCommit<number>({ commit: () => tick() });
    await group.run(async () => {
      throw new Error('disk gone');
    }).then(() => expect.fail('the task failed'), (err: Error) => expect(err.message).to.equal('disk gone'));
    expect(group.failure?.message).to.equal('disk gone');
    await group.run(async () => undefined).then(() => expect.fail('ran after a failure'), (err: Error) => expect(err.message).to.match(/refuses appends after a failed write: disk gone/));
  });

  it('rejects a task that the committer dropped when a batch failed before its turn', async () => {
    const gate = gatedCommit();
    const group = new GroupCommit<number>({ commit: gate.commit });
    const first = group.submit(1).catch((err: Error) => err.message);
    await Promise.resolve();
    const task = group.run(async () => undefined).then(() => 'ran', (err: Error) => err.message);
    gate.fail(new Error('EIO'));
    await tick();
    gate.release();
    expect(await first).to.equal('EIO');
    expect(await task).to.match(/refuses appends after a failed write: EIO/);
  });
});

describe('GroupCommit#submit() onCommitted', () => {
  it('runs each callback after the commit, before its promise settles and before afterCommit', async () => {
    const gate = gatedCommit();
    const order: string[] = [];
    const group = new GroupCommit({ commit: gate.commit, afterCommit: async () => void order.push('afterCommit') });
    const done = Promise.all([1, 2].map((i) => group.submit(i, () => order.push(`apply ${i}`)).then(() => order.push(`resolved ${i}`))));
    await tick();
    expect(order).to.deep.equal([]);
    gate.release();
    await done;
    await group.idle();
    expect(order).to.deep.equal(['apply 1', 'apply 2', 'afterCommit', 'resolved 1', 'resolved 2']);
  });

  it('runs no callback for a failed batch', async () => {
    const gate = gatedCommit();
    let applied = 0;
    const group = new GroupCommit({ commit: gate.commit });
    const done = group.submit(1, () => applied++).catch((err: Error) => err.message);
    await tick();
    gate.fail(new Error('disk full'));
    gate.release();
    expect(await done).to.equal('disk full');
    expect(applied).to.equal(0);
  });

  it('rejects only the item whose callback throws', async () => {
    const gate = gatedCommit();
    const group = new GroupCommit({ commit: gate.commit });
    const bad = group.submit(1, () => {
      throw new Error('apply failed');
    }).catch((err: Error) => err.message);
    const good = group.submit(2, () => undefined).then(() => 'ok');
    await tick();
    gate.release();
    expect(await Promise.all([bad, good])).to.deep.equal(['apply failed', 'ok']);
  });
});
