import DataLoader from 'dataloader';
import { type mongo, Types } from 'mongoose';
import { driverCollection } from './driver-collection';

/** Ids read together in one command, at most. */
const MAX_BATCH = 100;
/** How long a batch collects reads before it is sent. */
const BATCH_WINDOW_MS = 3;

/**
 * Reads by `_id` asked for within a few milliseconds go to the database as one
 * `find({_id: {$in: [...]}})`. Every first handshake of a session reads its session (and its user,
 * unless checked a moment ago); under load many arrive together, and each command's own cost (the
 * driver's cursor, a socket write, the database's work per command) was most of the handshake's
 * (bench/profiles: the driver was a third of the server's CPU during first handshakes, its socket
 * writes alone 14%). A timer gathers more of them than one turn of the event loop did
 * (`bench/handshake-cpu.ts`, three runs each: server CPU per first handshake 583–787 µs with
 * `setImmediate`, 503–637 µs with a 1 ms timer). At 1 ms a batch held about 9 reads; 3 ms did more
 * first handshakes per second in the bench, in each of five runs against 1 ms (÷ bare 0.52–0.76×
 * against 0.44–0.60×), and better than 5 ms or than sending a batch as soon as the previous one
 * returned (`handshake-cpu`). A read asked for alone waits those 3 ms.
 *
 * Nothing is cached: every `load` is answered by a read sent after it was called, so a session
 * revoked before the call is seen as revoked.
 *
 * Ids must be ObjectId strings (callers check them first).
 */
export function batchedReadsById<T extends mongo.Document>(
  model: { collection: mongo.Collection },
  projection: mongo.Document,
): (id: string) => Promise<(T & { _id: Types.ObjectId }) | null> {
  type Found = T & { _id: Types.ObjectId };
  const loader = new DataLoader<string, Found | null>(
    async (ids) => {
      const wanted = [...new Set(ids)].map((id) => new Types.ObjectId(id));
      const docs = await driverCollection(model)
        .find<Found>({ _id: { $in: wanted } }, { projection })
        .toArray();
      const byId = new Map(docs.map((doc) => [doc._id.toHexString(), doc]));
      return ids.map((id) => byId.get(id) ?? null);
    },
    {
      cache: false,
      maxBatchSize: MAX_BATCH,
      batchScheduleFn: (run) => setTimeout(run, BATCH_WINDOW_MS),
    },
  );
  // The canonical spelling is the map's key (an ObjectId string may be in upper case).
  return (id) => loader.load(new Types.ObjectId(id).toHexString());
}
