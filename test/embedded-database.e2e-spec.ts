import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose, { type Connection, mongo } from 'mongoose';
import { EmbeddedDatabase, databaseUri } from '../src/database/embedded/embedded-database';
import { describeEmbedded, freshDatabaseUri } from './support/database';

/**
 * The guarantees the application takes from MongoDB, checked on the run's database server (the
 * embedded one unless TEST_MONGODB_URI names another): single-document atomicity of conditional
 * and incremental writes, and replies that are each caller's own consistent document, under
 * concurrency.
 */
describe('Database guarantees', () => {
  let connection: Connection;

  beforeAll(async () => {
    connection = await mongoose
      .createConnection(freshDatabaseUri('cc_atomic'), { maxPoolSize: 32 })
      .asPromise();
  });
  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  const CONCURRENCY = 20;
  const ROUNDS = 50;
  let collections = 0;
  /** A collection of its own per test, so indexes and leftovers never meet. */
  const freshCollection = () => connection.db!.collection(`c${++collections}`);
  const together = <T>(run: (caller: number) => Promise<T>): Promise<T[]> =>
    Promise.all(Array.from({ length: CONCURRENCY }, (_, caller) => run(caller)));

  it('lets exactly one of many concurrent conditional findOneAndUpdate calls match, round after round', async () => {
    const tasks = freshCollection();
    const { insertedId } = await tasks.insertOne({ version: 1 });
    for (let version = 1; version <= ROUNDS; version++) {
      const results = await together(() =>
        tasks.findOneAndUpdate({ _id: insertedId, version }, { $inc: { version: 1 } }),
      );
      expect(results.filter((r) => r !== null)).toHaveLength(1);
    }
    expect(await tasks.findOne({ _id: insertedId })).toMatchObject({ version: ROUNDS + 1 });
  });

  it('lets exactly one of many concurrent conditional updateOne calls modify', async () => {
    const tokens = freshCollection();
    const { insertedId } = await tokens.insertOne({ spentAt: null });
    const results = await together(() =>
      tokens.updateOne({ _id: insertedId, spentAt: null }, { $set: { spentAt: new Date() } }),
    );
    expect(results.reduce((n, r) => n + r.modifiedCount, 0)).toBe(1);
  });

  it('applies every one of many concurrent $inc updates', async () => {
    const counters = freshCollection();
    const { insertedId } = await counters.insertOne({ count: 0 });
    for (let round = 0; round < 10; round++) {
      await together(() => counters.updateOne({ _id: insertedId }, { $inc: { count: 1 } }));
    }
    expect(await counters.findOne({ _id: insertedId })).toMatchObject({
      count: 10 * CONCURRENCY,
    });
  });

  it('refuses a duplicate in a unique index under concurrent inserts', async () => {
    const users = freshCollection();
    await users.createIndex({ email: 1 }, { unique: true });
    for (let round = 0; round < 10; round++) {
      const results = await Promise.allSettled(
        Array.from({ length: CONCURRENCY }, () => users.insertOne({ email: `u${round}@x.test` })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 11000 });
      }
    }
    expect(await users.countDocuments()).toBe(10);
  });

  it('finds by an indexed field plus other conditions exactly the documents that match them all', async () => {
    const tasks = freshCollection();
    await tasks.createIndex({ key: 1 }, { unique: true });
    const { insertedIds } = await tasks.insertMany([
      { key: 'a', projectId: 1, lock: null },
      { key: 'b', projectId: 1, lock: { until: 5 } },
      { key: 'c', projectId: 2, lock: null },
    ]);
    const unlocked = { $or: [{ lock: null }, { 'lock.until': { $lte: 3 } }] };
    const keys = async (filter: mongo.Filter<mongo.Document>) =>
      (await tasks.find(filter).toArray()).map((d) => d.key as string);

    expect(await keys({ _id: insertedIds[0], projectId: 1, ...unlocked })).toEqual(['a']);
    expect(await keys({ _id: insertedIds[0], projectId: 2 })).toEqual([]);
    expect(await keys({ _id: insertedIds[1], projectId: 1, ...unlocked })).toEqual([]);
    expect(await keys({ key: 'c', projectId: 2 })).toEqual(['c']);
    expect(await keys({ key: 'c', projectId: 1 })).toEqual([]);
    expect(await keys({ key: { $in: ['a', 'b'] }, projectId: 1 })).toEqual(['a', 'b']);
    const moved = await tasks.findOneAndUpdate(
      { _id: insertedIds[1], projectId: 1, ...unlocked },
      { $set: { status: 'done' } },
    );
    expect(moved).toBeNull();
    expect(await tasks.countDocuments({ status: 'done' })).toBe(0);
  });

  it('creates a collection that many clients create at once, answering the others "namespace exists"', async () => {
    for (let round = 0; round < 5; round++) {
      const name = `created_${round}`;
      const results = await Promise.allSettled(
        Array.from({ length: CONCURRENCY }, () => connection.db!.createCollection(name)),
      );
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 48 });
      }
      expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
      const listed = await connection.db!.listCollections().toArray();
      expect(listed.filter((c) => c.name === name)).toHaveLength(1);
    }
  });

  it('returns each concurrent findOneAndUpdate caller its own post-image and pre-image', async () => {
    const docs = freshCollection();
    const { insertedId } = await docs.insertOne({ count: 0, writer: 'none' });
    // Unique per round: a caller's write of the previous round may rightly be a pre-image.
    const mark = (round: number, caller: number): string => `${round}:${caller}`;
    for (let round = 0; round < ROUNDS; round++) {
      const returnDocument = round % 2 === 0 ? 'after' : 'before';
      const images = await together((caller) =>
        docs.findOneAndUpdate(
          { _id: insertedId },
          { $inc: { count: 1 }, $set: { writer: mark(round, caller) } },
          { returnDocument },
        ),
      );
      const base = round * CONCURRENCY;
      if (returnDocument === 'after') {
        // The caller's own write, and every count from base+1 to base+N exactly once.
        images.forEach((image, caller) =>
          expect(image).toMatchObject({ writer: mark(round, caller) }),
        );
        expect(images.map((i) => i!.count).sort((a, b) => a - b)).toEqual(
          Array.from({ length: CONCURRENCY }, (_, i) => base + i + 1),
        );
      } else {
        // What stood just before the caller's write: never the caller's own, each count once.
        images.forEach((image, caller) => expect(image!.writer).not.toBe(mark(round, caller)));
        expect(images.map((i) => i!.count).sort((a, b) => a - b)).toEqual(
          Array.from({ length: CONCURRENCY }, (_, i) => base + i),
        );
      }
    }
  });

  it('never shows a reader half of a multi-field $set', async () => {
    const docs = freshCollection();
    // A large field between the two that change: a reply that is still being written when
    // the next update lands would show `a` from before it and `b` from after.
    const { insertedId } = await docs.insertOne({ a: 0, filler: 'x'.repeat(1_000_000), b: 0 });
    const torn: Array<{ a: unknown; b: unknown }> = [];
    const check = ({ a, b }: mongo.Document): void => {
      if (a !== b) torn.push({ a, b });
    };
    let reads = 0;
    let writing = true;
    const writers = Array.from({ length: 2 }, async (_, writer) => {
      for (let n = 1; n <= 100; n++) {
        const value = writer * 1000 + n;
        check(
          (await docs.findOneAndUpdate(
            { _id: insertedId },
            { $set: { a: value, b: value } },
            { returnDocument: 'after' },
          ))!,
        );
      }
    });
    const readers = Array.from({ length: 4 }, async (_, reader) => {
      while (writing) {
        const doc =
          reader % 2 ? await docs.findOne({ _id: insertedId }) : (await docs.find({}).toArray())[0];
        check(doc!);
        reads++;
      }
    });
    await Promise.all(writers);
    writing = false;
    await Promise.all(readers);
    expect(reads).toBeGreaterThan(50);
    expect(torn).toEqual([]);
  });
});

/** Resolves once no process has this id (signal 0 only checks). */
async function waitUntilGone(pid: number): Promise<void> {
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describeEmbedded('Embedded database process', () => {
  const start = (dataDir: string) => EmbeddedDatabase.start({ dataDir });
  const openCollection = async (db: EmbeddedDatabase) => {
    const client = await new mongo.MongoClient(databaseUri(db.uri, 'durability')).connect();
    return { client, notes: client.db().collection('notes') };
  };

  it('keeps a write acknowledged 200 ms before the server is killed with SIGKILL', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cc-durable-'));
    const first = await start(dataDir);
    const { client, notes } = await openCollection(first);
    await notes.insertOne({ _id: 'early' as never, text: 'written long before' });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await notes.insertOne({ _id: 'acknowledged' as never, text: 'acknowledged, then 200 ms' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    process.kill(first.pid!, 'SIGKILL');
    await waitUntilGone(first.pid!);
    await client.close(true);

    const second = await start(dataDir);
    try {
      const reopened = await openCollection(second);
      expect(await reopened.notes.find().sort({ _id: 1 }).toArray()).toEqual([
        { _id: 'acknowledged', text: 'acknowledged, then 200 ms' },
        { _id: 'early', text: 'written long before' },
      ]);
      await reopened.client.close();
    } finally {
      await second.stop();
    }
  });

  it('keeps a write acknowledged just before a clean stop', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cc-stop-'));
    const first = await start(dataDir);
    const { client, notes } = await openCollection(first);
    await notes.insertOne({ _id: 'last' as never });
    await client.close();
    await first.stop();

    const second = await start(dataDir);
    try {
      const reopened = await openCollection(second);
      expect(await reopened.notes.countDocuments({ _id: 'last' as never })).toBe(1);
      await reopened.client.close();
    } finally {
      await second.stop();
    }
  });

  it('runs the JVM with the configured heap cap', async () => {
    const db = await EmbeddedDatabase.start({
      dataDir: mkdtempSync(join(tmpdir(), 'cc-heap-')),
      maxHeap: '96m',
    });
    try {
      const args = readFileSync(`/proc/${db.pid}/cmdline`, 'utf8').split('\0');
      expect(args).toContain('-Xmx96m');
    } finally {
      await db.stop();
    }
  });

  it('refuses a second server on a data folder that is in use, saying why', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cc-locked-'));
    const first = await start(dataDir);
    try {
      await expect(start(dataDir)).rejects.toThrow(
        /Embedded database exited with code \d+:.*locked/s,
      );
    } finally {
      await first.stop();
    }
  });
});
