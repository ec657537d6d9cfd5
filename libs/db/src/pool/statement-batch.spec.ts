import { STATEMENT_BATCH_MAX, statementBatch } from './statement-batch';

// statementBatch's own rules, with a `run` that records the batches it was given (the statements on
// Postgres are tested where they are made: libs/domain/seats/src/lease-batches.spec.ts).

describe('statementBatch', () => {
  function recorder(fail?: (items: readonly string[]) => Error | null) {
    const batches: string[][] = [];
    const load = statementBatch<string, string>(
      async (items) => {
        batches.push([...items]);
        const error = fail?.(items);
        if (error) throw error;
        return new Map(items.filter((item) => !item.startsWith('absent')).map((item) => [item, `row of ${item}`]));
      },
      (item) => item,
    );
    return { batches, load };
  }

  it('the calls of one turn of the event loop run as one batch, each answered with its own row (null where none)', async () => {
    const { batches, load } = recorder();
    const answers = await Promise.all([load('a'), load('absent-b'), load('c'), load('a')]);
    expect(answers).toEqual(['row of a', null, 'row of c', 'row of a']);
    expect(batches).toEqual([['a', 'absent-b', 'c', 'a']]);
  });

  it('calls of later turns make batches of their own, and a batch never carries more than the maximum', async () => {
    const { batches, load } = recorder();
    await load('first');
    await new Promise((resolve) => setImmediate(resolve));
    const many = Array.from({ length: STATEMENT_BATCH_MAX + 1 }, (_, i) => `item-${i}`);
    const answers = await Promise.all([load('second'), ...many.map(load)]);
    expect(answers[0]).toBe('row of second');
    expect(batches.map((b) => b.length)).toEqual([1, STATEMENT_BATCH_MAX, 2]);
  });

  it("a failed batch runs again item by item: one item's failure is its own, the others are answered", async () => {
    const poison = new Error('invalid input syntax for type uuid');
    const { batches, load } = recorder((items) => (items.includes('bad') ? poison : null));
    const answers = await Promise.allSettled([load('a'), load('bad'), load('c')]);
    expect(answers).toEqual([
      { status: 'fulfilled', value: 'row of a' },
      { status: 'rejected', reason: poison },
      { status: 'fulfilled', value: 'row of c' },
    ]);
    expect(batches).toEqual([['a', 'bad', 'c'], ['a'], ['bad'], ['c']]);
  });

  it('a call alone that fails rejects with its error as it is (the database error the caller maps)', async () => {
    const lost = Object.assign(new Error('Connection terminated unexpectedly'), { code: '57P01' });
    const { load } = recorder(() => lost);
    await expect(load('a')).rejects.toBe(lost);
  });
});
