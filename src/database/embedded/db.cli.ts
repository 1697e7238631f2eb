/**
 * Runs the embedded database on its own, so several app instances or tools like mongosh can
 * share it:  npm run db -- --port 27017 [--data-dir ./data] [--max-heap 256m]
 * Prints the MongoDB URI and runs until stopped (Ctrl-C).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_EMBEDDED_MAX_HEAP, EmbeddedDatabase } from './embedded-database';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '27017' },
      'data-dir': { type: 'string', default: './data' },
      'max-heap': { type: 'string', default: DEFAULT_EMBEDDED_MAX_HEAP },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be a port number, got "${values.port}"`);
  }
  const db = await EmbeddedDatabase.start({
    dataDir: resolve(values['data-dir']),
    port,
    maxHeap: values['max-heap'],
    log: (line) => console.error(line),
  });
  console.log(`Embedded ${db.engine} is running. MongoDB URI: ${db.uri}`);
  console.log('Use it with: MONGODB_URI=<uri>/collabcampus npm start   (Ctrl-C to stop)');
  const stop = (): void => void db.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
