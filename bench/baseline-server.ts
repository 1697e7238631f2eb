/**
 * The baseline: the fastest thing this stack does for the same traffic. A plain Socket.IO server
 * with the app's namespace, event names and room broadcast, and none of its protections (no
 * token check, validation, rate limits or membership checks).
 *
 *   BENCH_MODE=bare     task_moved echoes the move and broadcasts it.
 *   BENCH_MODE=bare+db  task_moved first runs the one conditional findOneAndUpdate a move needs,
 *                       on the same database, and broadcasts the stored task.
 *
 * Env: PORT, BENCH_MODE, MONGODB_URI (bare+db). Answers GET /health once listening.
 */
import { createServer } from 'node:http';
import mongoose from 'mongoose';
import { Server, type Socket } from 'socket.io';

type Ack = (reply: unknown) => void;
interface MovePayload {
  projectId: string;
  taskId: string;
  newStatus: string;
}

const { ObjectId } = mongoose.mongo;

async function main(): Promise<void> {
  const mode = process.env.BENCH_MODE;
  if (mode !== 'bare' && mode !== 'bare+db') throw new Error(`BENCH_MODE: ${mode}`);
  const tasks = mode === 'bare+db' ? await openTasks(process.env.MONGODB_URI ?? '') : undefined;

  const http = createServer((req, res) => {
    res.writeHead(req.url === '/health' ? 200 : 404).end();
  });
  // The app's transport settings: heartbeat, payload limit and WebSocket upgrades.
  const io = new Server(http, {
    serveClient: false,
    pingInterval: 25_000,
    pingTimeout: 20_000,
    maxHttpBufferSize: 100_000,
    cors: { origin: true, credentials: true },
  });

  io.of('/projects').on('connection', (socket: Socket) => {
    socket.on('project:join', ({ projectId }: { projectId: string }, ack: Ack) => {
      void socket.join(`project_${projectId}`);
      ack({ ok: true, data: { projectId } });
    });

    socket.on('task_moved', (move: MovePayload, ack: Ack) => {
      const broadcast = (version: number): void => {
        const update = {
          taskId: move.taskId,
          projectId: move.projectId,
          newStatus: move.newStatus,
          version,
          movedBy: socket.id,
        };
        socket.nsp.to(`project_${move.projectId}`).emit('task_updated', update);
        ack({ ok: true, data: update });
      };
      if (!tasks) return broadcast(0);
      tasks
        .findOneAndUpdate(
          // The same filter and update as the app's move: task in project, not locked by another.
          {
            _id: new ObjectId(move.taskId),
            projectId: new ObjectId(move.projectId),
            $or: [
              { lock: null },
              { 'lock.expiresAt': { $lte: new Date() } },
              { 'lock.socketId': socket.id },
            ],
          },
          { $set: { status: move.newStatus, updatedAt: new Date() }, $inc: { version: 1 } },
          { returnDocument: 'after' },
        )
        .then(
          (task) => (task ? broadcast(task.version as number) : ack({ ok: false })),
          () => ack({ ok: false }),
        );
    });
  });

  http.listen(Number(process.env.PORT), '127.0.0.1');
  const stop = (): void => {
    void io.close();
    void mongoose.disconnect();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

async function openTasks(uri: string): Promise<mongoose.mongo.Collection> {
  const connection = await mongoose.connect(uri);
  return connection.connection.db!.collection('tasks');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
