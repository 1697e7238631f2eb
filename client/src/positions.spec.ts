import { MAX_POSITION_LENGTH, type Task, type TaskStatus } from '@collabcampus/protocol';
import { byBoardOrder, positionFor, rebalancedKeys } from './positions.js';

let ids = 0;
const task = (position: string, status: TaskStatus = 'todo'): Task => ({
  id: (++ids).toString(16).padStart(24, '0'),
  projectId: 'p'.repeat(24),
  title: `at ${position}`,
  description: '',
  status,
  position,
  version: 1,
  createdBy: null,
  updatedAt: new Date(0).toISOString(),
});

const order = (tasks: Task[]): string[] => [...tasks].sort(byBoardOrder).map((t) => t.id);

describe('position keys', () => {
  it('orders by code units, not locale, then by id', () => {
    // Locale order would put 'a' before 'Z'; code units put every capital first.
    const [capital, small, tieA, tieB] = [task('Z'), task('a'), task('m'), task('m')];
    expect(order([tieB, small, tieA, capital])).toEqual([capital.id, small.id, tieA.id, tieB.id]);
  });

  it('makes a key between two neighbours, before the first, after the last, and last by default', () => {
    const [a, b, c] = [task('a0'), task('a1'), task('a2')];
    const board = [a, b, c, task('a5', 'done')];
    const between = positionFor(board, null, { status: 'todo', beforeTaskId: b.id })!;
    expect(between > a.position && between < b.position).toBe(true);
    expect(positionFor(board, null, { status: 'todo', afterTaskId: b.id })! > b.position).toBe(
      true,
    );
    expect(positionFor(board, null, { status: 'todo', beforeTaskId: a.id })! < a.position).toBe(
      true,
    );
    expect(positionFor(board, null, { status: 'todo' })! > c.position).toBe(true);
    expect(positionFor(board, null, { status: 'in-progress' })).toBe('a0');
  });

  it('leaves the moving task itself out of its neighbours', () => {
    const [a, b, c] = [task('a0'), task('a1'), task('a2')];
    // a moves to after c: between c and nothing, whatever a's own key.
    expect(positionFor([a, b, c], a.id, { status: 'todo', afterTaskId: c.id })! > c.position).toBe(
      true,
    );
  });

  it('keeps keys within 64 characters over a long run of inserts at one spot, then asks for a rebalance', () => {
    const first = task('a0');
    const last = task('a1');
    const board = [first, last];
    let inserts = 0;
    for (;;) {
      const key = positionFor(board, null, { status: 'todo', afterTaskId: first.id });
      if (key === null) break;
      expect(key.length).toBeLessThanOrEqual(MAX_POSITION_LENGTH);
      board.push(task(key));
      inserts++;
    }
    // Each insert goes right after `first`: the newest is always second in the column.
    expect(inserts).toBeGreaterThan(300);
    expect(order(board)[0]).toBe(first.id);
    expect(order(board).at(-1)).toBe(last.id);

    // The rule: fresh, evenly spaced, short keys in the same order; inserting works again.
    const keys = rebalancedKeys(board);
    const rebalanced = board.map((t) => ({ ...t, position: keys.get(t.id)! }));
    expect(order(rebalanced)).toEqual(order(board));
    expect(Math.max(...[...keys.values()].map((k) => k.length))).toBeLessThanOrEqual(4);
    expect(positionFor(rebalanced, null, { status: 'todo', afterTaskId: first.id })).not.toBeNull();
  });

  it('asks for a rebalance between two neighbours with the same key (they tie on id)', () => {
    const [a, b] = [task('a0'), task('a0')];
    expect(positionFor([a, b], null, { status: 'todo', afterTaskId: a.id })).toBeNull();
  });

  it('refuses a neighbour that is not in the target column', () => {
    const elsewhere = task('a0', 'done');
    expect(() =>
      positionFor([elsewhere], null, { status: 'todo', beforeTaskId: elsewhere.id }),
    ).toThrow(RangeError);
  });
});
