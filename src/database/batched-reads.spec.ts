import { Types } from 'mongoose';
import { batchedReadsById } from './batched-reads';

/** A stand-in for the driver's collection: answers `find` from `stored`, and records each query. */
function fakeModel(stored: Map<string, { name: string }>) {
  const queries: string[][] = [];
  let failNext = false;
  const collection = {
    find: (filter: { _id: { $in: Types.ObjectId[] } }) => {
      const ids = filter._id.$in.map((id) => id.toHexString());
      queries.push(ids);
      const failing = failNext;
      failNext = false;
      return {
        toArray: () =>
          failing
            ? Promise.reject(new Error('connection reset'))
            : Promise.resolve(
                ids
                  .filter((id) => stored.has(id))
                  .map((id) => ({ _id: new Types.ObjectId(id), ...stored.get(id)! })),
              ),
      };
    },
  };
  return {
    model: { collection } as unknown as Parameters<typeof batchedReadsById>[0],
    queries,
    failOnce: () => (failNext = true),
  };
}

describe('batchedReadsById', () => {
  const [a, b, c, unknown] = Array.from({ length: 4 }, () => new Types.ObjectId().toHexString());
  const stored = new Map([
    [a, { name: 'Alice' }],
    [b, { name: 'Bob' }],
    [c, { name: 'Carol' }],
  ]);

  it('sends the reads asked for together as one query, each id once, and answers each caller its own', async () => {
    const { model, queries } = fakeModel(stored);
    const read = batchedReadsById<{ name: string }>(model, { name: 1 });
    const found = await Promise.all([
      read(b),
      read(unknown),
      read(a),
      read(b.toUpperCase()),
      read(c),
    ]);
    expect(found.map((doc) => doc?.name ?? null)).toEqual(['Bob', null, 'Alice', 'Bob', 'Carol']);
    expect(queries).toHaveLength(1);
    expect([...queries[0]].sort()).toEqual([a, b, c, unknown].sort());
  });

  it('reads again for a later call: nothing is cached', async () => {
    const { model, queries } = fakeModel(stored);
    const read = batchedReadsById<{ name: string }>(model, { name: 1 });
    expect((await read(a))?.name).toBe('Alice');
    stored.set(a, { name: 'Alice (renamed)' });
    expect((await read(a))?.name).toBe('Alice (renamed)');
    expect(queries).toEqual([[a], [a]]);
  });

  it('fails every read of a failed query, and the next turn reads afresh', async () => {
    const { model, failOnce } = fakeModel(stored);
    const read = batchedReadsById<{ name: string }>(model, { name: 1 });
    failOnce();
    const results = await Promise.allSettled([read(b), read(c)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((await read(c))?.name).toBe('Carol');
  });
});
