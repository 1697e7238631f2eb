import { useDraggable, useDroppable } from '@dnd-kit/core';
import type { Task, TaskStatus } from '@collabcampus/protocol';
import type { KeyboardEvent, ReactNode } from 'react';

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
      <ul ref={setNodeRef} className="cards" aria-label={title}>
        {children}
      </ul>
    </section>
  );
}

/**
 * A card: draggable unless someone else is editing it; focusable, with the contract's keyboard
 * moves (Alt+arrows) and Enter to open it.
 */
export function TaskCard({
  task,
  lockedBy,
  overlay = false,
  onOpen,
  onMoveKey,
  onFocus,
}: {
  task: Task;
  lockedBy: string | null;
  overlay?: boolean;
  onOpen: () => void;
  onMoveKey?: (key: string) => boolean;
  onFocus?: () => void;
}) {
  const draggable = useDraggable({ id: task.id, disabled: overlay || lockedBy !== null });
  const droppable = useDroppable({ id: `card:${task.id}`, disabled: overlay });
  const onKeyDown = (event: KeyboardEvent<HTMLLIElement>): void => {
    if (event.target !== event.currentTarget) return;
    if (event.altKey && onMoveKey?.(event.key)) {
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
      ref={(node) => {
        draggable.setNodeRef(node);
        droppable.setNodeRef(node);
      }}
      className={className}
      data-testid={overlay ? undefined : 'task-card'}
      data-task-id={overlay ? undefined : task.id}
      data-version={overlay ? undefined : task.version}
      tabIndex={overlay ? -1 : 0}
      aria-label={`${task.title}${lockedBy ? `, being edited by ${lockedBy}` : ''}`}
      aria-roledescription="task card"
      onKeyDown={onKeyDown}
      onFocus={(event) => event.target === event.currentTarget && onFocus?.()}
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
}
