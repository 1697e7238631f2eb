/**
 * The baseline: the fastest thing this stack does for the same traffic. A plain Socket.IO server
 * with the app's namespace, event names and room broadcast, and none of its protections (no
 * token check, validation, rate limits or membership checks).
 *
 *   BENCH_MODE=bare     task_moved echoes the move and broadcasts it.
 *   BENCH_MODE=bare+db  task_moved first runs the one conditional findOneAndUpdate a move needs,
 *                       on the same database, and broadcasts the stored task.
 *   BENCH_MODE=seed     the design the project started from (the seed's "Socket.IO security best
 *                       practices"), rebuilt on the same database: io.use() verifies the JWT
 *                       and looks its user up on every handshake; project:join checks membership
 *                       with Project.findById; task_moved validates, then Project.findById
 *                       (membership), Task.findById (the task is the project's), task.save(),
 *                       and broadcasts {taskId, newStatus} to project_<id>. Mongoose documents,
 *                       as the seed has them.
 *
 * Env: PORT, BENCH_MODE, MONGODB_URI (bare+db, seed), JWT_SECRET (seed). Answers GET /health
 * once listening.
 */
import { createServer } from 'node:http';
import jwt from 'jsonwebtoken';
import mongoose, { Schema } from 'mongoose';
import { type Namespace, Server, type Socket } from 'socket.io';

type Ack = (reply: unknown) => void;
interface MovePayload {
  projectId: string;
  taskId: string;
  newStatus: string;
}

const { ObjectId } = mongoose.mongo;

async function main(): Promise<void> {
  const mode = process.env.BENCH_MODE;
  if (mode !== 'bare' && mode !== 'bare+db' && mode !== 'seed') {
    throw new Error(`BENCH_MODE: ${mode}`);
  }
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

  if (mode === 'seed') {
    await mongoose.connect(process.env.MONGODB_URI ?? '');
    seedDesign(io.of('/projects'), process.env.JWT_SECRET ?? '');
  } else {
    bare(io.of('/projects'), tasks);
  }

  http.listen(Number(process.env.PORT), '127.0.0.1');
  const stop = (): void => {
    void io.close();
    void mongoose.disconnect();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

function bare(projects: Namespace, tasks: mongoose.mongo.Collection | undefined): void {
  projects.on('connection', (socket: Socket) => {
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
}

// The seed design's models: what it reads and writes, over the app's collections.
const User = mongoose.model('User', new Schema({}, { strict: false, collection: 'users' }));
const Project = mongoose.model(
  'Project',
  new Schema(
    { members: [{ userId: Schema.Types.ObjectId, role: String }] },
    {
      strict: false,
      collection: 'projects',
    },
  ),
);
const Task = mongoose.model(
  'Task',
  new Schema(
    { projectId: Schema.Types.ObjectId, status: String },
    {
      strict: false,
      collection: 'tasks',
      timestamps: true,
    },
  ),
);
const STATUSES = ['todo', 'in-progress', 'done'];

function seedDesign(projects: Namespace, secret: string): void {
  projects.use((socket, next) => {
    try {
      const { sub } = jwt.verify(String(socket.handshake.auth.token), secret) as { sub: string };
      User.findById(sub)
        .then((user) => {
          if (!user) return next(new Error('Unauthorized'));
          (socket.data as { userId: string }).userId = String(user._id);
          next();
        })
        .catch(() => next(new Error('Unauthorized')));
    } catch {
      next(new Error('Unauthorized'));
    }
  });
  const isMember = (project: { members: { userId: unknown }[] } | null, userId: string): boolean =>
    !!project?.members.some((m) => String(m.userId) === userId);

  projects.on('connection', (socket: Socket) => {
    const { userId } = socket.data as { userId: string };
    socket.on('project:join', async ({ projectId }: { projectId: string }, ack: Ack) => {
      try {
        if (!isMember(await Project.findById(projectId), userId)) return ack({ ok: false });
        await socket.join(`project_${projectId}`);
        ack({ ok: true, data: { projectId } });
      } catch {
        ack({ ok: false });
      }
    });

    socket.on('task_moved', async (data: MovePayload, ack: Ack) => {
      try {
        if (!data?.taskId || !data.newStatus || !data.projectId) return ack({ ok: false });
        if (!STATUSES.includes(data.newStatus)) return ack({ ok: false });
        if (!isMember(await Project.findById(data.projectId), userId)) return ack({ ok: false });
        const task = await Task.findById(data.taskId);
        if (!task || String(task.projectId) !== data.projectId) return ack({ ok: false });
        task.status = data.newStatus;
        await task.save();
        const update = { taskId: task._id, newStatus: task.status };
        projects.to(`project_${data.projectId}`).emit('task_updated', update);
        ack({ ok: true, data: update });
      } catch {
        ack({ ok: false });
      }
    });
  });
}

async function openTasks(uri: string): Promise<mongoose.mongo.Collection> {
  const connection = await mongoose.connect(uri);
  return connection.connection.db!.collection('tasks');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
