import { describe, expect, it } from 'vitest';
import { GroupCommitter, SPLIT_AT, type Outcome } from './group-commit';

/** A promise with its resolver exposed. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Fails instead of hanging when `promise` does not settle within `ms`. */
function within<T>(promise: Promise<T>, ms = 1000): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms)),
  ]);
}

/** Lets every queued microtask (and the first macrotask boundary) run. */
const tick = () => new Promise<void>((r) => setImmediate(r));

/**
 * An in-memory batch writer: records each batch, answers `n * 10` for `n`,
 * refuses the requests listed in `refuse`, throws for batches holding one of
 * `poison`, and can be held open with `hold()`.
 */
function fakeWriter(options: { refuse?: number[]; poison?: number[] } = {}) {
  const batches: number[][] = [];
  let gate: Promise<void> | undefined;
  const writeBatch = async (requests: readonly number[]): Promise<Outcome<number>[]> => {
    batches.push([...requests]);
    if (gate) await gate;
    if (requests.some((r) => options.poison?.includes(r))) throw new Error(`poisoned batch ${requests.join(',')}`);
    return requests.map((r) =>
      options.refuse?.includes(r) ? { ok: false, error: new Error(`refused ${r}`) } : { ok: true, value: r * 10 },
    );
  };
  return {
    batches,
    writeBatch,
    hold() {
      const d = deferred();
      gate = d.promise;
      return () => {
        gate = undefined;
        d.resolve();
      };
    },
  };
}

describe('GroupCommitter', () => {
  it('puts requests submitted in the same tick into one batch and answers each', async () => {
    const writer = fakeWriter();
    const committer = new GroupCommitter(writer.writeBatch, 100);
    const results = await within(Promise.all([committer.submit(1), committer.submit(2), committer.submit(3)]));
    expect(results).toEqual([10, 20, 30]);
    expect(writer.batches).toEqual([[1, 2, 3]]);
    expect(committer.batches).toBe(1);
  });

  it('queues requests submitted while a batch is in flight into the next batch', async () => {
    const writer = fakeWriter();
    const committer = new GroupCommitter(writer.writeBatch, 100);
    const release = writer.hold();
    const first = committer.submit(1);
    await tick();
    expect(writer.batches).toEqual([[1]]);
    const later = [committer.submit(2), committer.submit(3), committer.submit(4)];
    await tick();
    // Still one batch: the others wait for the first commit.
    expect(writer.batches).toEqual([[1]]);
    release();
    expect(await within(first)).toBe(10);
    expect(await within(Promise.all(later))).toEqual([20, 30, 40]);
    expect(writer.batches).toEqual([[1], [2, 3, 4]]);
    expect(committer.batches).toBe(2);
  });

  it('starts the next batch when the writer hands off, with at most two batches in flight', async () => {
    const started: number[][] = [];
    const gates = new Map<number, ReturnType<typeof deferred>>();
    const committer = new GroupCommitter<number, number>(async (requests, handOff) => {
      started.push([...requests]);
      const gate = deferred();
      gates.set(requests[0]!, gate);
      handOff();
      await gate.promise;
      return requests.map((r) => ({ ok: true, value: r * 10 }));
    }, 10);
    const first = committer.submit(1);
    await tick();
    const second = committer.submit(2);
    await tick();
    // The second began while the first is still open...
    expect(started).toEqual([[1], [2]]);
    const third = committer.submit(3);
    await tick();
    // ...but a third waits until the first has finished.
    expect(started).toEqual([[1], [2]]);
    gates.get(1)!.resolve();
    expect(await within(first)).toBe(10);
    await tick();
    expect(started).toEqual([[1], [2], [3]]);
    gates.get(2)!.resolve();
    gates.get(3)!.resolve();
    expect(await within(Promise.all([second, third]))).toEqual([20, 30]);
    await within(committer.idle());
    expect(committer.batches).toBe(3);
  });

  it('splits a long queue met with no batch in flight, so that the second half overlaps the first half\'s commit', async () => {
    const started: number[][] = [];
    const gates: ReturnType<typeof deferred>[] = [];
    const committer = new GroupCommitter<number, number>(async (requests, handOff) => {
      started.push([...requests]);
      const gate = deferred();
      gates.push(gate);
      handOff();
      await gate.promise;
      return requests.map((r) => ({ ok: true, value: r * 10 }));
    }, 100);
    const n = SPLIT_AT + 1;
    const ids = Array.from({ length: n }, (_, i) => i + 1);
    const first = ids.map((id) => committer.submit(id));
    await tick();
    // Half (rounded up) went alone; the rest started as it handed off, not after it committed.
    const half = Math.ceil(n / 2);
    expect(started).toEqual([ids.slice(0, half), ids.slice(half)]);
    // Requests that arrive while a batch is in flight are not split: they wait, all together, for the next one.
    const more = ids.map((id) => committer.submit(100 + id));
    await tick();
    expect(started).toHaveLength(2);
    gates[0]!.resolve();
    await tick();
    expect(started[2]).toEqual(ids.map((id) => 100 + id));
    gates.forEach((gate) => gate.resolve());
    expect(await within(Promise.all([...first, ...more]))).toEqual([...ids, ...ids.map((id) => 100 + id)].map((id) => id * 10));
    // A queue shorter than SPLIT_AT, met alone, stays one batch.
    await within(committer.idle());
    const short = Array.from({ length: SPLIT_AT - 1 }, (_, i) => committer.submit(1000 + i));
    await tick();
    expect(started.at(-1)).toHaveLength(SPLIT_AT - 1);
    gates.forEach((gate) => gate.resolve());
    await within(Promise.all(short));
  });

  it('never puts more than maxBatch requests in one batch, keeping their order', async () => {
    const writer = fakeWriter();
    const committer = new GroupCommitter(writer.writeBatch, 2);
    const results = await within(Promise.all([1, 2, 3, 4, 5].map((n) => committer.submit(n))));
    expect(results).toEqual([10, 20, 30, 40, 50]);
    expect(writer.batches).toEqual([[1, 2], [3, 4], [5]]);
    expect(committer.batches).toBe(3);
  });

  it('rejects only the request whose outcome is not ok', async () => {
    const writer = fakeWriter({ refuse: [2] });
    const committer = new GroupCommitter(writer.writeBatch, 100);
    const settled = await within(Promise.allSettled([committer.submit(1), committer.submit(2), committer.submit(3)]));
    expect(settled[0]).toEqual({ status: 'fulfilled', value: 10 });
    expect(settled[1]).toMatchObject({ status: 'rejected', reason: new Error('refused 2') });
    expect(settled[2]).toEqual({ status: 'fulfilled', value: 30 });
    // A refusal is an answer, not a failed batch: no retries.
    expect(writer.batches).toEqual([[1, 2, 3]]);
  });

  it('retries each request of a failed batch alone, so only the culprit rejects', async () => {
    const writer = fakeWriter({ poison: [2] });
    const committer = new GroupCommitter(writer.writeBatch, 100);
    const settled = await within(Promise.allSettled([committer.submit(1), committer.submit(2), committer.submit(3)]));
    expect(settled[0]).toEqual({ status: 'fulfilled', value: 10 });
    expect(settled[1]).toMatchObject({ status: 'rejected', reason: new Error('poisoned batch 2') });
    expect(settled[2]).toEqual({ status: 'fulfilled', value: 30 });
    expect(writer.batches).toEqual([[1, 2, 3], [1], [2], [3]]);
    // Only the two successful single-request writes committed.
    expect(committer.batches).toBe(2);
  });

  it('fails a whole batch at once when the failure is no request\'s doing (nothing retried alone)', async () => {
    const writer = fakeWriter({ poison: [2] });
    const committer = new GroupCommitter(writer.writeBatch, 100, () => false);
    const settled = await within(Promise.allSettled([committer.submit(1), committer.submit(2), committer.submit(3)]));
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(settled[0]).toMatchObject({ reason: new Error('poisoned batch 1,2,3') });
    expect(writer.batches).toEqual([[1, 2, 3]]);
    // The committer keeps working afterwards.
    expect(await within(committer.submit(4))).toBe(40);
  });

  it('rejects a lone request whose write throws, without retrying it', async () => {
    const writer = fakeWriter({ poison: [7] });
    const committer = new GroupCommitter(writer.writeBatch, 100);
    await expect(within(committer.submit(7))).rejects.toThrow('poisoned batch 7');
    expect(writer.batches).toEqual([[7]]);
    expect(committer.batches).toBe(0);
    // The committer keeps working afterwards.
    expect(await within(committer.submit(8))).toBe(80);
  });

  it('idle() resolves at once when nothing is pending', async () => {
    const committer = new GroupCommitter(fakeWriter().writeBatch, 10);
    await expect(within(committer.idle(), 100)).resolves.toBeUndefined();
  });

  it('idle() resolves only after every submitted request has settled', async () => {
    const writer = fakeWriter();
    const committer = new GroupCommitter(writer.writeBatch, 2);
    const release = writer.hold();
    const settled: number[] = [];
    const requests = [1, 2, 3, 4, 5].map((n) => committer.submit(n).then((v) => void settled.push(v)));
    let idle = false;
    const idlePromise = committer.idle().then(() => {
      idle = true;
    });
    await tick();
    expect(idle).toBe(false);
    release();
    await within(idlePromise);
    expect(idle).toBe(true);
    // Every request was answered by the time idle() resolved.
    await Promise.resolve();
    expect([...settled].sort((a, b) => a - b)).toEqual([10, 20, 30, 40, 50]);
    await Promise.all(requests);
    expect(writer.batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('processes a request submitted right after a drain finished', async () => {
    const writer = fakeWriter();
    const committer = new GroupCommitter(writer.writeBatch, 10);
    expect(await within(committer.submit(1))).toBe(10);
    expect(await within(committer.submit(2))).toBe(20);
    expect(writer.batches).toEqual([[1], [2]]);
  });

  it('processes a request submitted in the microtask after the drain loop ended (regression)', async () => {
    const writer = fakeWriter();
    const committer = new GroupCommitter(writer.writeBatch, 10);
    // The continuation runs as soon as request 1 resolves, i.e. right as the loop ends.
    const chained = committer.submit(1).then((first) => committer.submit(first + 1));
    expect(await within(chained)).toBe(110);
    // Also from a microtask queued after idle() saw the loop end.
    const afterIdle = committer.idle().then(() => committer.submit(3));
    expect(await within(afterIdle)).toBe(30);
    await within(committer.idle());
    expect(writer.batches).toEqual([[1], [11], [3]]);
  });

  it('processes a request submitted from within writeBatch of the last batch', async () => {
    let committer!: GroupCommitter<number, number>;
    let inner: Promise<number> | undefined;
    const batches: number[][] = [];
    committer = new GroupCommitter(async (requests) => {
      batches.push([...requests]);
      if (!inner) inner = committer.submit(99);
      return requests.map((r) => ({ ok: true, value: r }));
    }, 10);
    expect(await within(committer.submit(1))).toBe(1);
    expect(await within(inner!)).toBe(99);
    expect(batches).toEqual([[1], [99]]);
  });
});

describe('GroupCommitter with a faulty batch writer (regression)', () => {
  it('rejects requests the writer gave no outcome for, and keeps serving later ones', async () => {
    let calls = 0;
    const committer = new GroupCommitter<number, number>(async (requests) => {
      calls += 1;
      return calls === 1 ? [{ ok: true, value: requests[0]! }] : requests.map((r) => ({ ok: true, value: r }));
    }, 10);
    const results = await Promise.allSettled([committer.submit(1), committer.submit(2)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    await expect(committer.submit(3)).resolves.toBe(3);
  });
});
