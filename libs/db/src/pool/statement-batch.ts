import DataLoader from 'dataloader';

/** The most requests one batched statement carries. */
export const STATEMENT_BATCH_MAX = 64;

/**
 * DataLoader's options for "the calls of one turn of the event loop, at most STATEMENT_BATCH_MAX,
 * nothing cached between batches": `statementBatch`'s, and those of a batched read that needs no
 * vendor (a global table's).
 */
export const ONE_TURN_BATCH = {
  cache: false,
  maxBatchSize: STATEMENT_BATCH_MAX,
  batchScheduleFn: (dispatch: () => void) => setImmediate(dispatch),
} as const;

/**
 * One statement for many requests: the calls of `load` made in the same turn of the event loop
 * (the requests whose answers arrived together from Redis or the network) run as one statement per
 * vendor, `run(vendorId, items)`, which answers the rows it found by `keyOf` (absent: null for
 * that item). Under load, a statement and its round trip per request cost the app a socket write
 * and a result parse, and Postgres an executor set-up and, for a write, a commit; batched, that is
 * paid once for up to `STATEMENT_BATCH_MAX` requests. One vendor per statement, so that a sharded
 * database routes it to one shard (docs/scaling.md, "Citus"); the vendors' statements run
 * concurrently. A single request waits for nothing: its batch runs at the end of the turn it was
 * made in (`setImmediate`).
 *
 * A vendor's statement that fails runs again item by item, each alone, so one item's failure (a
 * deadlock with another batch, a malformed value, a connection lost) is that item's own, as
 * without batching; an item alone that fails rejects with its error unchanged. DataLoader
 * (graphql/dataloader) collects the calls; nothing is cached between batches.
 */
export function statementBatch<Item extends { vendorId: string }, Row>(
  run: (vendorId: string, items: readonly Item[]) => Promise<Map<string, Row>>,
  keyOf: (item: Item) => string,
): (item: Item) => Promise<Row | null> {
  const answer = async (vendorId: string, items: readonly Item[]): Promise<(Row | null)[]> => {
    const found = await run(vendorId, items);
    return items.map((item) => found.get(keyOf(item)) ?? null);
  };
  const loader = new DataLoader<Item, Row | null, Item>(async (items) => {
    const answers: (Row | null | Error)[] = [];
    const groups = new Map<string, number[]>();
    for (const [i, item] of items.entries()) {
      const group = groups.get(item.vendorId);
      if (group) group.push(i);
      else groups.set(item.vendorId, [i]);
    }
    await Promise.all(
      [...groups].map(async ([vendorId, indices]) => {
        const group = indices.map((i) => items[i]);
        const rows = await answer(vendorId, group).catch((error: unknown) =>
          group.length === 1
            ? [asError(error)]
            : Promise.all(group.map((item) => answer(vendorId, [item]).then(([row]) => row, asError))),
        );
        indices.forEach((i, n) => (answers[i] = rows[n]));
      }),
    );
    return answers;
  }, ONE_TURN_BATCH);
  return (item) => loader.load(item);
}

/** A row of a batch without the `batchKey` that says which request it answers. */
export function withoutBatchKey<R extends { batchKey: string }>({ batchKey: _key, ...row }: R): Omit<R, 'batchKey'> {
  return row;
}

/** A batch's rows by the key of the request each answers (one row per request), for `run`. */
export function rowByBatchKey<R extends { batchKey: string }>(rows: readonly R[]): Map<string, Omit<R, 'batchKey'>> {
  return new Map(rows.map((row) => [row.batchKey, withoutBatchKey(row)]));
}

/** A batch's rows as each request's rows, in their order, by the request's `batchKey` (absent: no rows), for `run`. */
export function rowsByBatchKey<R extends { batchKey: string }>(rows: readonly R[]): Map<string, Omit<R, 'batchKey'>[]> {
  const answers = new Map<string, Omit<R, 'batchKey'>[]>();
  for (const row of rows) {
    const mine = answers.get(row.batchKey);
    if (mine) mine.push(withoutBatchKey(row));
    else answers.set(row.batchKey, [withoutBatchKey(row)]);
  }
  return answers;
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
