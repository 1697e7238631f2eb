/**
 * Preloaded (`node --expose-gc -r memory-probe.js`) into every server the bench starts, the app
 * and the baselines alike, so memory is read the same way in each: after two full collections,
 * from inside the process, on request over the IPC channel. With HEAP_SNAPSHOT_DIR set, each
 * reading also writes a heap snapshot there (to see what each socket holds, diff two of them).
 */
import { writeHeapSnapshot } from 'node:v8';
import { join } from 'node:path';
import { MEMORY_REQUEST, type MemoryReply } from './protocol';

const gc = (globalThis as { gc?: () => void }).gc;

if (process.send && gc) {
  process.on('message', (message: unknown) => {
    if ((message as { type?: unknown } | null)?.type !== MEMORY_REQUEST) return;
    gc();
    gc();
    const { rss, heapUsed } = process.memoryUsage();
    const snapshots = process.env.HEAP_SNAPSHOT_DIR;
    if (snapshots) writeHeapSnapshot(join(snapshots, `${process.pid}-${Date.now()}.heapsnapshot`));
    const reply: MemoryReply = { type: MEMORY_REQUEST, rss, heapUsed };
    process.send?.(reply);
  });
  // The channel must not keep a server alive once it has shut down.
  process.channel?.unref();
}
