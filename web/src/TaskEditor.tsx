import type { Board } from '@collabcampus/client';
import type { Task } from '@collabcampus/protocol';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { describeError } from './messages';

/**
 * The card editor, a modal dialog. Opening it takes the task's edit lock (the SDK renews it while
 * the dialog is open), so others see who is editing and cannot move or change the task; closing
 * it releases the lock.
 */
export function TaskEditor({
  board,
  task,
  nameOf,
  notify,
  onClose,
}: {
  board: Board;
  task: Task;
  nameOf: (userId: string) => string;
  notify: (text: string) => void;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [title, setTitle] = useState(task.title);
  const [description, setDescription] = useState(task.description);
  const [locked, setLocked] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!dialog.current?.open) dialog.current?.showModal();
    let live = true;
    let held = false;
    board.lockTask(task.id).then(
      () => {
        held = true;
        if (!live) {
          board.unlockTask(task.id).catch(() => undefined);
          return;
        }
        setLocked(true);
      },
      (err: unknown) => {
        if (!live) return;
        notify(describeError(err, nameOf));
        onClose();
      },
    );
    return () => {
      live = false;
      if (held) board.unlockTask(task.id).catch(() => undefined);
    };
    // The lock belongs to this dialog's lifetime, for this task.
  }, [board, task.id]);

  const save = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const changes = {
      ...(title.trim() !== task.title && { title: title.trim() }),
      ...(description !== task.description && { description }),
    };
    if (Object.keys(changes).length === 0) return onClose();
    setBusy(true);
    try {
      await board.editTask(task.id, { ...changes, expectedVersion: task.version });
      onClose();
    } catch (err) {
      notify(describeError(err, nameOf));
      setBusy(false);
    }
  };

  const remove = async (): Promise<void> => {
    setBusy(true);
    try {
      await board.deleteTask(task.id, { expectedVersion: task.version });
      onClose();
    } catch (err) {
      notify(describeError(err, nameOf));
      setBusy(false);
    }
  };

  return (
    <dialog
      ref={dialog}
      className="editor"
      aria-labelledby="editor-title"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <form onSubmit={(e) => void save(e)}>
        <h2 id="editor-title">Edit task</h2>
        <p className="muted small" role="status">
          {locked ? 'Others see that you are editing this task.' : 'Taking the edit lock…'}
        </p>
        <label className="field">
          <span>Title</span>
          <input
            data-testid="task-title-input"
            value={title}
            onChange={(e) => setTitle(e.target.value)}
            maxLength={200}
            required
            autoFocus
          />
        </label>
        <label className="field">
          <span>Description</span>
          <textarea
            value={description}
            onChange={(e) => setDescription(e.target.value)}
            maxLength={4000}
            rows={6}
          />
        </label>
        <div className="editor-actions">
          <button
            type="button"
            className="button danger"
            data-testid="task-delete"
            onClick={() => void remove()}
            disabled={busy || !locked}
          >
            Delete
          </button>
          <span className="spacer" />
          <button type="button" className="button ghost" onClick={onClose}>
            Cancel
          </button>
          <button
            className="button primary"
            data-testid="task-save"
            disabled={busy || !locked || !title.trim()}
          >
            Save
          </button>
        </div>
      </form>
    </dialog>
  );
}
