import { MAX_POSITION_LENGTH, type Task, type TaskStatus } from '@collabcampus/protocol';
import { generateKeyBetween, generateNKeysBetween } from 'fractional-indexing';

/** Board order inside a column: position by code units (not locale), then id. */
export const byBoardOrder = (a: Task, b: Task): number =>
  a.position < b.position
    ? -1
    : a.position > b.position
      ? 1
      : a.id < b.id
        ? -1
        : a.id > b.id
          ? 1
          : 0;

/** Where a task goes in a column: before one task, after another, or (neither) last. */
export interface Placement {
  status: TaskStatus;
  beforeTaskId?: string;
  afterTaskId?: string;
}

/**
 * A position key for `taskId` at `placement`, between its new neighbours, or `null` when no key
 * of at most MAX_POSITION_LENGTH characters fits there (two neighbours with equal keys, or a
 * spot that has taken some 370 inserts in a row): the column must then be rebalanced first
 * (see `rebalancedKeys`).
 */
export function positionFor(
  tasks: readonly Task[],
  taskId: string | null,
  placement: Placement,
): string | null {
  const column = tasks
    .filter((t) => t.status === placement.status && t.id !== taskId)
    .sort(byBoardOrder);
  const { lower, upper } = neighbours(column, placement);
  if (lower !== null && upper !== null && lower >= upper) return null;
  const key = generateKeyBetween(lower, upper);
  return key.length <= MAX_POSITION_LENGTH ? key : null;
}

function neighbours(
  column: readonly Task[],
  { beforeTaskId, afterTaskId }: Placement,
): { lower: string | null; upper: string | null } {
  if (beforeTaskId !== undefined) {
    const i = column.findIndex((t) => t.id === beforeTaskId);
    if (i < 0) throw new RangeError(`task ${beforeTaskId} is not in that column`);
    return { lower: column[i - 1]?.position ?? null, upper: column[i]!.position };
  }
  if (afterTaskId !== undefined) {
    const i = column.findIndex((t) => t.id === afterTaskId);
    if (i < 0) throw new RangeError(`task ${afterTaskId} is not in that column`);
    return { lower: column[i]!.position, upper: column[i + 1]?.position ?? null };
  }
  return { lower: column.at(-1)?.position ?? null, upper: null };
}

/**
 * The rebalancing rule: the column's tasks, in their current order, get evenly spaced fresh keys
 * (the shortest fractional-indexing makes for that many), each written with a move that keeps
 * the task's status. `n` tasks need keys of about 2 + log62(n) characters.
 */
export function rebalancedKeys(column: readonly Task[]): Map<string, string> {
  const ordered = [...column].sort(byBoardOrder);
  const keys = generateNKeysBetween(null, null, ordered.length);
  return new Map(ordered.map((task, i) => [task.id, keys[i]!]));
}
