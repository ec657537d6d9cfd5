import DataLoader from 'dataloader';

/** The most requests one batched statement carries. */
export const STATEMENT_BATCH_MAX = 64;

/**
 * One statement for many requests: the calls of `load` made in the same turn of the event loop
 * (the requests whose answers arrived together from Redis or the network) run as one statement,
 * `run(items)`, which answers the rows it found by `keyOf` (absent: null for that item). Under
 * load, a statement and its round trip per request cost the app a socket write and a result parse,
 * and Postgres an executor set-up and, for a write, a commit; batched, that is paid once for up to
 * `STATEMENT_BATCH_MAX` requests. A single request waits for nothing: its batch runs at the end of
 * the turn it was made in (`setImmediate`).
 *
 * A batch that fails runs again item by item, each alone, so one item's failure (a deadlock with
 * another batch, a malformed value, a connection lost) is that item's own, as without batching;
 * an item alone that fails rejects with its error unchanged. DataLoader (graphql/dataloader)
 * collects the calls; nothing is cached between batches.
 */
export function statementBatch<Item, Row>(
  run: (items: readonly Item[]) => Promise<Map<string, Row>>,
  keyOf: (item: Item) => string,
): (item: Item) => Promise<Row | null> {
  const loader = new DataLoader<Item, Row | null, Item>(
    async (items) => {
      try {
        const found = await run(items);
        return items.map((item) => found.get(keyOf(item)) ?? null);
      } catch (error) {
        if (items.length === 1) throw error;
        return Promise.all(items.map((item) => run([item]).then((alone) => alone.get(keyOf(item)) ?? null, asError)));
      }
    },
    { cache: false, maxBatchSize: STATEMENT_BATCH_MAX, batchScheduleFn: (dispatch) => setImmediate(dispatch) },
  );
  return (item) => loader.load(item);
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/**
 * Runs `run` once per vendor among `items`, concurrently, and answers all their rows: a batch's
 * statement names one vendor, so that a sharded database routes it to one shard
 * (docs/scaling.md, "Citus"). Items keep their order within a vendor.
 */
export async function perVendor<Item extends { vendorId: string }, Row>(
  items: readonly Item[],
  run: (vendorId: string, items: Item[]) => Promise<Row[]>,
): Promise<Row[]> {
  const groups = new Map<string, Item[]>();
  for (const item of items) {
    const group = groups.get(item.vendorId);
    if (group) group.push(item);
    else groups.set(item.vendorId, [item]);
  }
  return (await Promise.all([...groups].map(([vendorId, group]) => run(vendorId, group)))).flat();
}
