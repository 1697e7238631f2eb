import type { mongo } from 'mongoose';

/**
 * The MongoDB driver's own collection behind a model, for the hot paths that already write
 * through the driver. Mongoose's wrapper around each call (a fresh ObjectId, two connection
 * events and one more promise) exists to queue commands sent before the first connection; read
 * each time, because Mongoose swaps in a new driver collection when it reconnects, and the
 * wrapper itself until the first connection (bench/profiles: the wrapper was ~2% of the CPU of a
 * move).
 */
export function driverCollection(model: { collection: mongo.Collection }): mongo.Collection {
  const wrapper = model.collection as unknown as { collection?: mongo.Collection | null };
  return wrapper.collection ?? model.collection;
}
