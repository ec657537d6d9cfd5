import { rowByBatchKey, rowsByBatchKey, STATEMENT_BATCH_MAX, statementBatch } from './statement-batch';

// statementBatch's own rules, with a `run` that records the batches it was given (the statements on
// Postgres are tested where they are made: libs/domain/seats/src/lease-batches.spec.ts).

describe('statementBatch', () => {
  /** Items are names (of vendor `v` unless told); the batches record their names. */
  function recorder(fail?: (names: readonly string[]) => Error | null) {
    const batches: string[][] = [];
    const batch = statementBatch<{ vendorId: string; name: string }, string>(
      async (_vendorId, items) => {
        const names = items.map((item) => item.name);
        batches.push(names);
        const error = fail?.(names);
        if (error) throw error;
        return new Map(names.filter((name) => !name.startsWith('absent')).map((name) => [name, `row of ${name}`]));
      },
      (item) => item.name,
    );
    const load = (name: string, vendorId = 'v') => batch({ vendorId, name });
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
    const answers = await Promise.all([load('second'), ...many.map((name) => load(name))]);
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

  it("one run per vendor in a batch; a vendor's failed run goes again item by item, the other vendor's stands", async () => {
    const { batches, load } = recorder((names) => (names.includes('bad') ? new Error('refused') : null));
    const answers = await Promise.allSettled([load('a', 'v1'), load('x', 'v2'), load('bad', 'v1'), load('y', 'v2')]);
    expect(answers.map((answer) => answer.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(batches).toEqual([['a', 'bad'], ['x', 'y'], ['a'], ['bad']]);
  });

  it("a batch's rows by request: one each (rowByBatchKey), or each request's rows in their order (rowsByBatchKey)", () => {
    const rows = [
      { batchKey: 'a', n: 1 },
      { batchKey: 'b', n: 2 },
      { batchKey: 'a', n: 3 },
    ];
    expect(rowsByBatchKey(rows)).toEqual(
      new Map([
        ['a', [{ n: 1 }, { n: 3 }]],
        ['b', [{ n: 2 }]],
      ]),
    );
    expect(rowByBatchKey(rows.slice(0, 2))).toEqual(
      new Map([
        ['a', { n: 1 }],
        ['b', { n: 2 }],
      ]),
    );
  });
});
