import type { Board, Client, Placement } from '@collabcampus/client';
import {
  type CollisionDetection,
  DndContext,
  type DragEndEvent,
  DragOverlay,
  type DragStartEvent,
  PointerSensor,
  pointerWithin,
  rectIntersection,
  useSensor,
  useSensors,
} from '@dnd-kit/core';
import {
  type Project,
  type ProjectMember,
  TASK_STATUSES,
  type Task,
  type TaskStatus,
  type User,
} from '@collabcampus/protocol';
import { type FormEvent, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useBoardRevision } from './hooks';
import { describeError } from './messages';
import { type CardActions, Column, TaskCard } from './TaskCard';
import { TaskEditor } from './TaskEditor';

type Notify = (text: string, tone?: 'error' | 'info') => void;

export const COLUMN_TITLES: Record<TaskStatus, string> = {
  todo: 'To do',
  'in-progress': 'In progress',
  done: 'Done',
};

interface Drag {
  dragStart: (event: DragStartEvent) => void;
  dragEnd: (event: DragEndEvent) => void;
  dragCancel: () => void;
}

/** The column under the pointer, else the one the dragged card overlaps most. */
const collide: CollisionDetection = (args) => {
  const hits = pointerWithin(args);
  return hits.length ? hits : rectIntersection(args);
};

/** One project's live board: columns, cards, who is online, who is editing what. */
export function BoardView({
  client,
  project,
  me,
  notify,
}: {
  client: Client;
  project: Project;
  me: User;
  notify: Notify;
}) {
  const [board, setBoard] = useState<Board | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  useBoardRevision(board);
  const people = useMembers(client, project.id, board);
  const personName = useCallback(
    (userId: string): string => people.get(userId)?.name ?? 'A member',
    [people],
  );
  const nameOf = useCallback(
    (userId: string): string => (userId === me.id ? 'You' : personName(userId)),
    [personName, me.id],
  );

  useEffect(() => {
    let live = true;
    let opened: Board | null = null;
    client.openBoard(project.id).then(
      (b) => {
        if (live) setBoard((opened = b));
        else b.close();
      },
      (err: unknown) => live && setFailed(describeError(err, String)),
    );
    return () => {
      live = false;
      opened?.close();
    };
  }, [client, project.id]);

  /** Who holds the task's lock, unless it is this tab (another tab of ours blocks us too). */
  const lockedByOther = (taskId: string): string | null => {
    const lock = board?.locks.get(taskId);
    return lock && !lock.mine ? lock.userId : null;
  };

  const [editing, setEditing] = useState<Task | null>(null);
  const [dragged, setDragged] = useState<Task | null>(null);
  const [announcement, setAnnouncement] = useState('');
  /** A card moved by keyboard keeps the focus in its new place. */
  const [focusId, setFocusId] = useState<string | null>(null);
  useEffect(() => {
    if (!focusId) return;
    const card = document.querySelector<HTMLElement>(`[data-task-id="${focusId}"]`);
    if (card && document.activeElement !== card) card.focus();
  });

  const columns = useMemo(() => {
    const byStatus = new Map<TaskStatus, Task[]>(TASK_STATUSES.map((s) => [s, []]));
    for (const task of board?.tasks ?? []) byStatus.get(task.status)!.push(task);
    return byStatus;
    // board.tasks is replaced on every change; the revision above re-renders.
  }, [board, board?.tasks]);

  const sensors = useSensors(useSensor(PointerSensor, { activationConstraint: { distance: 5 } }));
  // The cards get one stable object that calls whatever this render defined.
  const current = useRef<(CardActions & Drag) | null>(null);
  const actions = useMemo<CardActions & Drag>(
    () => ({
      open: (task) => current.current?.open(task),
      moveByKey: (task, key) => current.current?.moveByKey(task, key) ?? false,
      focused: (task) => current.current?.focused(task),
      // DndContext re-renders every draggable when its handlers change: these never do.
      dragStart: (event) => current.current?.dragStart(event),
      dragEnd: (event) => current.current?.dragEnd(event),
      dragCancel: () => current.current?.dragCancel(),
    }),
    [],
  );

  if (failed) return <div className="empty">{failed}</div>;
  if (!board) return <div className="empty muted">Opening the board…</div>;

  const move = async (task: Task, placement: Placement, how: string): Promise<void> => {
    const holder = lockedByOther(task.id);
    if (holder) {
      notify(`${nameOf(holder)} is editing “${task.title}”: it cannot be moved now.`);
      return;
    }
    try {
      await board.moveTask(task.id, { ...placement, expectedVersion: task.version });
      setAnnouncement(`Moved “${task.title}” ${how}.`);
    } catch (err) {
      notify(describeError(err, nameOf));
    }
  };

  const moveByKey = (task: Task, key: string): boolean => {
    const column = columns.get(task.status)!;
    const index = column.findIndex((t) => t.id === task.id);
    const statusIndex = TASK_STATUSES.indexOf(task.status);
    let placement: Placement | null = null;
    let how = '';
    if (key === 'ArrowRight' || key === 'ArrowLeft') {
      const next = TASK_STATUSES[statusIndex + (key === 'ArrowRight' ? 1 : -1)];
      if (next) {
        placement = { status: next };
        how = `to ${COLUMN_TITLES[next]}`;
      }
    } else if (key === 'ArrowUp' && index > 0) {
      placement = { status: task.status, beforeTaskId: column[index - 1].id };
      how = 'up';
    } else if (key === 'ArrowDown' && index < column.length - 1) {
      placement = { status: task.status, afterTaskId: column[index + 1].id };
      how = 'down';
    } else if (key !== 'ArrowUp' && key !== 'ArrowDown') {
      return false;
    }
    setFocusId(task.id);
    if (placement) void move(task, placement, how);
    return true;
  };

  current.current = {
    open: (task) => setEditing(task),
    moveByKey,
    focused: (task) => setFocusId(task.id),
    dragStart: ({ active }) => setDragged(board.tasks.find((t) => t.id === active.id) ?? null),
    dragEnd: (event) => onDragEnd(event),
    dragCancel: () => setDragged(null),
  };

  /**
   * Dropped on a column: the card goes before the first card whose middle is below the dragged
   * card's middle, or last. (Only columns are drop targets: two thousand droppable cards made
   * every board change re-render every card.)
   */
  const onDragEnd = ({ active, over }: DragEndEvent): void => {
    setDragged(null);
    const task = board.tasks.find((t) => t.id === active.id);
    if (!task || !over) return;
    const status = String(over.id).slice('column:'.length) as TaskStatus;
    const column = columns.get(status)!;
    const dropped = active.rect.current.translated;
    const middle = dropped ? dropped.top + dropped.height / 2 : Number.POSITIVE_INFINITY;
    const cards = document.querySelectorAll<HTMLElement>(
      `[data-testid="column-${status}"] [data-testid="task-card"]`,
    );
    const next = [...cards].find((card) => {
      if (card.dataset.taskId === task.id) return false;
      const { top, height } = card.getBoundingClientRect();
      return middle < top + height / 2;
    });
    const neighbour = next && column.find((t) => t.id === next.dataset.taskId);
    // Where it is in that column now (-1: it comes from another column).
    const index = column.findIndex((t) => t.id === task.id);
    const unmoved = index !== -1 && column[index + 1]?.id === neighbour?.id;
    if (unmoved) return;
    if (neighbour) {
      void move(task, { status, beforeTaskId: neighbour.id }, `before “${neighbour.title}”`);
    } else {
      void move(task, { status }, `to the end of ${COLUMN_TITLES[status]}`);
    }
  };

  const isOwner = project.owner === me.id || people.get(me.id)?.role === 'owner';

  return (
    <div className="board">
      <div className="board-header">
        <div>
          <h1 className="board-title">{project.name}</h1>
          <div className="muted small board-counts">
            {board.tasks.length} {board.tasks.length === 1 ? 'task' : 'tasks'} ·{' '}
            <Members
              client={client}
              projectId={project.id}
              members={board.members}
              people={people}
              nameOf={personName}
              me={me}
              isOwner={isOwner}
              notify={notify}
            />
          </div>
        </div>
        <Presence
          online={board.online}
          nameOf={(id) => personName(id) + (id === me.id ? ' (you)' : '')}
        />
        {isOwner && <AddMember client={client} projectId={project.id} notify={notify} />}
      </div>
      <p className="sr-only" aria-live="assertive">
        {announcement}
      </p>
      <p className="hint muted small">
        Drag cards, or focus one and use Alt+←/→ to change column and Alt+↑/↓ to reorder. Enter
        opens a card.
      </p>
      <DndContext
        sensors={sensors}
        collisionDetection={collide}
        onDragStart={actions.dragStart}
        onDragEnd={actions.dragEnd}
        onDragCancel={actions.dragCancel}
      >
        <div className="columns">
          {TASK_STATUSES.map((status) => (
            <Column
              key={status}
              status={status}
              title={COLUMN_TITLES[status]}
              count={columns.get(status)!.length}
              header={status === 'todo' ? <NewTask board={board} notify={notify} /> : null}
            >
              {columns.get(status)!.map((task) => {
                const holder = lockedByOther(task.id);
                return (
                  <TaskCard
                    key={task.id}
                    task={task}
                    lockedBy={holder ? nameOf(holder) : null}
                    actions={actions}
                  />
                );
              })}
            </Column>
          ))}
        </div>
        <DragOverlay dropAnimation={null}>
          {dragged ? <TaskCard task={dragged} lockedBy={null} overlay /> : null}
        </DragOverlay>
      </DndContext>
      {editing && (
        <TaskEditor
          board={board}
          task={editing}
          nameOf={nameOf}
          notify={notify}
          onClose={() => {
            setFocusId(editing.id);
            setEditing(null);
          }}
        />
      )}
    </div>
  );
}

/** Names for member ids: read when the board opens and again when someone new shows up. */
function useMembers(client: Client, projectId: string, board: Board | null) {
  const [people, setPeople] = useState(new Map<string, ProjectMember>());
  const ids = [...(board?.members ?? []).map((m) => m.userId), ...(board?.online ?? [])];
  const unknown = ids
    .filter((id) => !people.has(id))
    .sort()
    .join(',');
  useEffect(() => {
    let live = true;
    client.projects.members(projectId).then(
      (list) => live && setPeople(new Map(list.map((m) => [m.userId, m]))),
      () => undefined, // names are a nicety: ids stay hidden behind "A member"
    );
    return () => {
      live = false;
    };
  }, [client, projectId, unknown]);
  return people;
}

function Presence({ online, nameOf }: { online: string[]; nameOf: (id: string) => string }) {
  return (
    <div className="presence" aria-label="Online now">
      <span className="muted small">Online</span>
      <ul className="avatars">
        {online.map((userId) => {
          const name = nameOf(userId);
          return (
            <li
              key={userId}
              className="avatar"
              data-testid="presence-user"
              data-user-id={userId}
              title={name}
              style={{ background: colourFor(userId) }}
            >
              <span aria-hidden="true">{initials(name.replace(' (you)', ''))}</span>
              <span className="sr-only">{name}</span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

/**
 * The member count opens the list of members: names, emails and roles, and for the owner a
 * Remove button per member (the server takes their sockets out of the room, and the project out
 * of their list). The list follows the board's live membership.
 */
function Members({
  client,
  projectId,
  members,
  people,
  nameOf,
  me,
  isOwner,
  notify,
}: {
  client: Client;
  projectId: string;
  members: Board['members'];
  people: Map<string, ProjectMember>;
  nameOf: (userId: string) => string;
  me: User;
  isOwner: boolean;
  notify: Notify;
}) {
  const [open, setOpen] = useState(false);
  const [removing, setRemoving] = useState<string | null>(null);
  const toggle = useRef<HTMLButtonElement>(null);
  const remove = async (userId: string): Promise<void> => {
    setRemoving(userId);
    try {
      await client.projects.removeMember(projectId, userId);
      notify(`${nameOf(userId)} no longer has access to this board.`, 'info');
    } catch (err) {
      notify(describeError(err, String));
    } finally {
      setRemoving(null);
    }
  };
  return (
    <span
      className="members"
      onKeyDown={(event) => {
        if (event.key !== 'Escape' || !open) return;
        setOpen(false);
        toggle.current?.focus();
      }}
    >
      <button
        ref={toggle}
        type="button"
        className="link-button"
        data-testid="members-toggle"
        aria-expanded={open}
        aria-controls="members-panel"
        onClick={() => setOpen((was) => !was)}
      >
        {members.length} {members.length === 1 ? 'member' : 'members'}
      </button>
      {open && (
        <ul id="members-panel" className="members-panel" aria-label="Members">
          {members.map(({ userId, role }) => (
            <li key={userId} className="member" data-testid="member-item" data-user-id={userId}>
              <span className="avatar" aria-hidden="true" style={{ background: colourFor(userId) }}>
                {initials(nameOf(userId))}
              </span>
              <span className="member-who">
                <span className="member-name">
                  {nameOf(userId)}
                  {userId === me.id ? ' (you)' : ''}
                </span>
                <span className="muted small">{people.get(userId)?.email ?? ''}</span>
              </span>
              {role === 'owner' ? (
                <span className="role-badge">Owner</span>
              ) : isOwner && userId !== me.id ? (
                <button
                  type="button"
                  className="button small danger"
                  data-testid="member-remove"
                  aria-label={`Remove ${nameOf(userId)} from this project`}
                  disabled={removing === userId}
                  onClick={() => void remove(userId)}
                >
                  Remove
                </button>
              ) : (
                <span className="role-badge muted">Member</span>
              )}
            </li>
          ))}
        </ul>
      )}
    </span>
  );
}

function AddMember({
  client,
  projectId,
  notify,
}: {
  client: Client;
  projectId: string;
  notify: Notify;
}) {
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    try {
      await client.projects.addMember(projectId, email.trim());
      notify(`${email.trim()} can now open this board.`, 'info');
      setEmail('');
    } catch (err) {
      const status = (err as { status?: number }).status;
      notify(
        status === 404 ? `Nobody has an account with ${email.trim()}.` : describeError(err, String),
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="add-member" onSubmit={(e) => void submit(e)}>
      <label className="field compact inline">
        <span>Add a member</span>
        <input
          data-testid="member-email"
          type="email"
          placeholder="teammate@example.com"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          required
        />
      </label>
      <button className="button" data-testid="member-add" disabled={busy || !email.trim()}>
        Add
      </button>
    </form>
  );
}

function NewTask({ board, notify }: { board: Board; notify: Notify }) {
  const [title, setTitle] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (!title.trim()) return;
    setBusy(true);
    try {
      await board.createTask({ title: title.trim() });
      setTitle('');
    } catch (err) {
      notify(describeError(err, String));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="new-task" onSubmit={(e) => void submit(e)}>
      <label className="sr-only" htmlFor="new-task-title">
        New task title
      </label>
      <input
        id="new-task-title"
        data-testid="task-new-title"
        placeholder="Add a task…"
        value={title}
        maxLength={200}
        onChange={(e) => setTitle(e.target.value)}
      />
      <button
        className="button primary small"
        data-testid="task-create"
        disabled={busy || !title.trim()}
      >
        Add
      </button>
    </form>
  );
}

export const initials = (name: string): string =>
  name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0].toUpperCase())
    .join('') || '?';

/** A stable colour per user. */
export function colourFor(userId: string): string {
  let hash = 0;
  for (const ch of userId) hash = (hash * 31 + ch.charCodeAt(0)) | 0;
  return `hsl(${Math.abs(hash) % 360} 55% 42%)`;
}
