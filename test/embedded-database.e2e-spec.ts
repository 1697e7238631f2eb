import { randomBytes } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { databaseUri } from '../src/database/embedded/embedded-database';

/**
 * The guarantees the application takes from MongoDB, checked on the embedded database:
 * single-document atomicity of conditional and incremental writes under concurrency.
 */
describe('Embedded database', () => {
  let connection: Connection;

  beforeAll(async () => {
    const uri = databaseUri(
      process.env.TEST_DATABASE_SERVER_URI!,
      `cc_atomic_${randomBytes(4).toString('hex')}`,
    );
    connection = await mongoose.createConnection(uri, { maxPoolSize: 20 }).asPromise();
  });
  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  const CONCURRENCY = 20;
  const collection = () => connection.db!.collection('atomicity');

  it('lets exactly one of many concurrent conditional findOneAndUpdate calls match', async () => {
    const { insertedId } = await collection().insertOne({ version: 1 });
    const results = await Promise.all(
      Array.from({ length: CONCURRENCY }, () =>
        collection().findOneAndUpdate({ _id: insertedId, version: 1 }, { $inc: { version: 1 } }),
      ),
    );
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    expect(await collection().findOne({ _id: insertedId })).toMatchObject({ version: 2 });
  });

  it('lets exactly one of many concurrent conditional updateOne calls modify', async () => {
    const { insertedId } = await collection().insertOne({ spentAt: null });
    const results = await Promise.all(
      Array.from({ length: CONCURRENCY }, () =>
        collection().updateOne(
          { _id: insertedId, spentAt: null },
          { $set: { spentAt: new Date() } },
        ),
      ),
    );
    expect(results.reduce((n, r) => n + r.modifiedCount, 0)).toBe(1);
  });

  it('applies every one of many concurrent $inc updates', async () => {
    const { insertedId } = await collection().insertOne({ count: 0 });
    await Promise.all(
      Array.from({ length: CONCURRENCY }, () =>
        collection().updateOne({ _id: insertedId }, { $inc: { count: 1 } }),
      ),
    );
    expect(await collection().findOne({ _id: insertedId })).toMatchObject({ count: CONCURRENCY });
  });

  it('refuses a duplicate in a unique index under concurrent inserts', async () => {
    await collection().createIndex({ key: 1 }, { unique: true });
    const results = await Promise.allSettled(
      Array.from({ length: CONCURRENCY }, () => collection().insertOne({ key: 'same' })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });
});
