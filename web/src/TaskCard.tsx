import { useDraggable, useDroppable } from '@dnd-kit/core';
import type { Task, TaskStatus } from '@collabcampus/protocol';
import { type KeyboardEvent, memo, type ReactNode } from 'react';

export function Column({
  status,
  title,
  count,
  header,
  children,
}: {
  status: TaskStatus;
  title: string;
  count: number;
  header: ReactNode;
  children: ReactNode;
}) {
  const { setNodeRef, isOver } = useDroppable({ id: `column:${status}` });
  return (
    <section
      ref={setNodeRef}
      className={`column${isOver ? ' column-over' : ''}`}
      data-testid={`column-${status}`}
      aria-labelledby={`column-title-${status}`}
    >
      <header className="column-header">
        <h2 id={`column-title-${status}`}>
          <span className={`column-dot dot-${status}`} aria-hidden="true" />
          {title}
        </h2>
        <span className="column-count" aria-label={`${count} tasks`}>
          {count}
        </span>
      </header>
      {header}
      <ul className="cards" aria-label={title}>
        {children}
      </ul>
    </section>
  );
}

/** What a card asks of its board; stable across renders, so unchanged cards do not re-render. */
export interface CardActions {
  open(task: Task): void;
  /** Alt+key on the card: whether the key was a move. */
  moveByKey(task: Task, key: string): boolean;
  focused(task: Task): void;
}

/**
 * A card: draggable unless someone else is editing it; focusable, with the contract's keyboard
 * moves (Alt+arrows) and Enter to open it. Memoised: a change re-renders the changed cards only
 * (a board may hold 2,000).
 */
export const TaskCard = memo(function TaskCard({
  task,
  lockedBy,
  overlay = false,
  actions,
}: {
  task: Task;
  lockedBy: string | null;
  overlay?: boolean;
  actions?: CardActions;
}) {
  const onOpen = (): void => actions?.open(task);
  const draggable = useDraggable({ id: task.id, disabled: overlay || lockedBy !== null });
  const onKeyDown = (event: KeyboardEvent<HTMLLIElement>): void => {
    if (event.target !== event.currentTarget) return;
    if (event.altKey && actions?.moveByKey(task, event.key)) {
      event.preventDefault();
    } else if (event.key === 'Enter' && !event.altKey) {
      event.preventDefault();
      onOpen();
    }
  };
  const className = [
    'card',
    lockedBy ? 'card-locked' : '',
    draggable.isDragging ? 'card-dragging' : '',
    overlay ? 'card-overlay' : '',
  ].join(' ');
  return (
    <li
      ref={draggable.setNodeRef}
      className={className}
      data-testid={overlay ? undefined : 'task-card'}
      data-task-id={overlay ? undefined : task.id}
      data-version={overlay ? undefined : task.version}
      tabIndex={overlay ? -1 : 0}
      aria-label={`${task.title}${lockedBy ? `, being edited by ${lockedBy}` : ''}`}
      aria-roledescription="task card"
      onKeyDown={onKeyDown}
      onFocus={(event) => event.target === event.currentTarget && actions?.focused(task)}
      {...draggable.listeners}
    >
      <div className="card-title">{task.title}</div>
      {task.description && <div className="card-description">{task.description}</div>}
      <div className="card-footer">
        {lockedBy ? (
          <span className="card-lock" data-testid="task-locked-by">
            <span aria-hidden="true">✎ </span>
            {lockedBy} {lockedBy === 'You' ? 'are' : 'is'} editing
          </span>
        ) : (
          <span />
        )}
        {!overlay && (
          <button
            type="button"
            className="card-edit"
            data-testid="task-edit"
            onClick={onOpen}
            onPointerDown={(e) => e.stopPropagation()}
            aria-label={`Edit “${task.title}”`}
          >
            Edit
          </button>
        )}
      </div>
    </li>
  );
});
