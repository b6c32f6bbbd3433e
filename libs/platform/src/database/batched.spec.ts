import { Batched } from './batched.js';

/** A statement stand-in: records each batch it was given, answers when `release` is called. */
function statement<Input, Output>(answer: (inputs: Input[]) => Output[]) {
  const batches: Input[][] = [];
  const pending: Array<() => void> = [];
  const run = (inputs: Input[]) =>
    new Promise<Output[]>((resolve) => {
      batches.push(inputs);
      pending.push(() => resolve(answer(inputs)));
    });
  const release = async () => {
    for (let i = 0; i < 10 && pending.length === 0; i++) await Promise.resolve();
    pending.shift()?.();
    await new Promise((done) => setImmediate(done));
  };
  return { run, batches, release };
}

describe('Batched', () => {
  it('sends a lone call at once, and the calls made while it is in flight together in the next batch', async () => {
    const { run, batches, release } = statement((ids: number[]) => ids.map((id) => id * 10));
    const batched = new Batched(run);
    const first = batched.call(1);
    await release();
    expect(await first).toBe(10);
    const second = batched.call(2);
    const later = [3, 4, 5].map((id) => batched.call(id));
    await release();
    await release();
    expect(await second).toBe(20);
    expect(await Promise.all(later)).toEqual([30, 40, 50]);
    // The calls of one turn go together: 2 was not alone, it was made beside 3, 4 and 5.
    expect(batches).toEqual([[1], [2, 3, 4, 5]]);
  });

  it('holds a batch to its most calls, the rest in the batches after', async () => {
    const { run, batches, release } = statement((ids: number[]) => ids);
    const batched = new Batched(run, 2);
    const calls = [1, 2, 3, 4, 5].map((id) => batched.call(id));
    for (let i = 0; i < 3; i++) await release();
    expect(await Promise.all(calls)).toEqual([1, 2, 3, 4, 5]);
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('fails every call of a failed batch with its error, and the next batch runs', async () => {
    let fail = true;
    const batched = new Batched((ids: number[]) =>
      fail ? Promise.reject(new Error('connection lost')) : Promise.resolve(ids),
    );
    const failed = [1, 2].map((id) => batched.call(id));
    await expect(Promise.all(failed)).rejects.toThrow('connection lost');
    await Promise.allSettled(failed);
    fail = false;
    expect(await batched.call(3)).toBe(3);
  });

  it('refuses a batch answered with another number of outputs than inputs', async () => {
    const batched = new Batched((ids: number[]) => Promise.resolve(ids.slice(1)));
    await expect(batched.call(1)).rejects.toThrow('a batch of 1 answered 0 outputs');
  });
});
