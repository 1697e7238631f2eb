import type {
  FanoutFigures,
  HandshakeFigures,
  LatencyFigures,
  MaxSocketsFigures,
  MemoryFigures,
  MoveFigures,
  RoundTripFigures,
} from './workloads';
import { formatNumber, formatRatio, markdownTable, ratio } from './stats';

/** What a run measured (all of it, unless --only picked some workloads). */
export interface Results {
  /** `seed`: the design the project started from (see baseline-server.ts), where measured. */
  handshakes?: { ours: HandshakeFigures; bare: HandshakeFigures; seed?: HandshakeFigures };
  moves?: Record<
    number,
    { ours: MoveFigures; 'bare+db': MoveFigures; bare: MoveFigures; seed?: MoveFigures }
  >;
  /** bare+db shows how much of the gap to bare is the database write per move. */
  fanout?: {
    ours: FanoutFigures;
    'bare+db': FanoutFigures;
    bare: FanoutFigures;
    seed?: FanoutFigures;
  };
  memory?: { ours: MemoryFigures; bare: MemoryFigures };
  /** `edits`: the same count for `task:edit` (the baseline has no edits). */
  roundTrips?: { ours: RoundTripFigures; 'bare+db': RoundTripFigures; edits?: RoundTripFigures };
  maxSockets?: MaxSocketsFigures;
  /** A closed-loop mix of creates, edits, moves and deletes, by sockets. */
  changes?: Record<number, MoveFigures>;
  /** `project:join` of large boards, by their number of tasks, one join at a time. */
  boardJoin?: Record<number, LatencyFigures>;
  /** Login latency by number of registered users. */
  logins?: Record<number, LatencyFigures>;
}

/** The FerretDB-era README figure the embedded-database change was asked to multiply by 15. */
const FERRETDB_MOVES_PER_SECOND = 34.1;

export interface Target {
  name: string;
  value: number;
  /** At least (≥) or at most (≤) this. */
  bound: number;
  atLeast: boolean;
  met: boolean;
}

const KB = 1024;

/** The targets, as ratios measured in this run. */
export function targets(r: Results): Target[] {
  const out: Target[] = [];
  const atLeast = (name: string, value: number, bound: number): void => {
    out.push({ name, value, bound, atLeast: true, met: value >= bound });
  };
  const atMost = (name: string, value: number, bound: number): void => {
    out.push({ name, value, bound, atLeast: false, met: value <= bound });
  };
  const hundred = r.moves?.[100]?.ours;
  if (hundred) {
    atLeast(
      `task_moved acks/s, 100 sockets ÷ ${FERRETDB_MOVES_PER_SECOND} (FerretDB era)`,
      hundred.perSecond / FERRETDB_MOVES_PER_SECOND,
      15,
    );
    atMost('task_moved p99 in ms, 100 sockets', hundred.p99, 250);
  }
  for (const [sockets, { ours, 'bare+db': db, seed }] of Object.entries(r.moves ?? {})) {
    const of = `${sockets} sockets ÷ bare+db`;
    atLeast(`task_moved throughput, ${of}`, ratio(ours.perSecond, db.perSecond), 0.9);
    atMost(`task_moved p99, ${of}`, ratio(ours.p99, db.p99), 1.3);
    if (seed) {
      const throughput = ratio(ours.perSecond, seed.perSecond);
      atLeast(`task_moved throughput, ${sockets} sockets ÷ seed design`, throughput, 2);
    }
  }
  if (r.fanout) {
    const { ours, 'bare+db': db } = r.fanout;
    const delivered = ratio(ours.deliveriesPerSecond, db.deliveriesPerSecond);
    atLeast('fan-out deliveries ÷ bare+db', delivered, 0.9);
  }
  if (r.memory) {
    const { ours, bare } = r.memory;
    for (const n of Object.keys(ours.rssPerSocket).map(Number)) {
      atMost(
        `RSS per socket at ${n} ÷ bare`,
        ratio(ours.rssPerSocket[n], bare.rssPerSocket[n]),
        1.5,
      );
      atMost(
        `heap per socket at ${n} ÷ bare`,
        ratio(ours.heapPerSocket[n], bare.heapPerSocket[n]),
        1.3,
      );
    }
  }
  if (r.handshakes) {
    const { ours, bare } = r.handshakes;
    atLeast(
      'handshakes (reconnecting sessions) ÷ bare',
      ratio(ours.perSecond, bare.perSecond),
      0.5,
    );
    atLeast(
      'handshakes (first of each session) ÷ bare',
      ratio(ours.firstPerSecond, bare.firstPerSecond),
      0.6,
    );
  }
  const loginCounts = Object.keys(r.logins ?? {}).map(Number);
  if (r.logins && loginCounts.length > 1) {
    const most = Math.max(...loginCounts);
    const fewest = Math.min(...loginCounts);
    atMost(
      `login p50 at ${most} users ÷ at ${fewest}`,
      ratio(r.logins[most].p50, r.logins[fewest].p50),
      1.2,
    );
  }
  if (r.roundTrips) atMost('database commands per move', r.roundTrips.ours.perMove, 1);
  if (r.roundTrips?.edits) {
    atMost('database commands per edit', r.roundTrips.edits.perMove, 1);
  }
  return out;
}

/** The results as one markdown table (plus the targets), as printed and pasted into the README. */
export function renderTable(r: Results): string {
  const rows: string[][] = [];
  const none = Number.NaN;
  const row = (
    measure: string,
    ours: number,
    db: number,
    bare: number,
    unit = '',
    seed = none,
  ): void => {
    rows.push([
      measure,
      formatNumber(ours, unit),
      formatNumber(seed, unit),
      formatNumber(db, unit),
      formatNumber(bare, unit),
      formatRatio(ratio(ours, seed)),
      formatRatio(ratio(ours, db)),
      formatRatio(ratio(ours, bare)),
    ]);
  };
  if (r.handshakes) {
    const { ours, bare, seed } = r.handshakes;
    row(
      'Handshakes/s, first of each session',
      ours.firstPerSecond,
      none,
      bare.firstPerSecond,
      '',
      seed?.firstPerSecond,
    );
    row(
      'Handshakes/s, first of each session, server just started',
      ours.coldFirstPerSecond,
      none,
      bare.coldFirstPerSecond,
      '',
      seed?.coldFirstPerSecond,
    );
    row(
      'Handshakes/s, reconnecting sessions',
      ours.perSecond,
      none,
      bare.perSecond,
      '',
      seed?.perSecond,
    );
  }
  for (const [sockets, { ours, 'bare+db': db, bare, seed }] of Object.entries(r.moves ?? {})) {
    const label = (what: string): string => `task_moved ${what}, ${sockets} sockets`;
    row(label('acks/s'), ours.perSecond, db.perSecond, bare.perSecond, '', seed?.perSecond);
    row(label('p50'), ours.p50, db.p50, bare.p50, 'ms', seed?.p50);
    row(label('p95'), ours.p95, db.p95, bare.p95, 'ms', seed?.p95);
    row(label('p99'), ours.p99, db.p99, bare.p99, 'ms', seed?.p99);
    for (const [cpu, whose] of [
      ['serverCpuMicrosPerMove', 'server'],
      ['databaseCpuMicrosPerMove', 'database'],
    ] as const) {
      row(label(`${whose} CPU per ack`), ours[cpu], db[cpu], bare[cpu], 'µs', seed?.[cpu]);
    }
  }
  if (r.fanout) {
    const { ours, 'bare+db': db, bare, seed } = r.fanout;
    row(
      'Fan-out deliveries/s, one room',
      ours.deliveriesPerSecond,
      db.deliveriesPerSecond,
      bare.deliveriesPerSecond,
      '',
      seed?.deliveriesPerSecond,
    );
    row(
      'Fan-out moves/s, one room',
      ours.movesPerSecond,
      db.movesPerSecond,
      bare.movesPerSecond,
      '',
      seed?.movesPerSecond,
    );
  }
  if (r.memory) {
    const { ours, bare } = r.memory;
    for (const count of Object.keys(ours.rssPerSocket).map(Number)) {
      for (const [label, key] of [
        ['RSS', 'rssPerSocket'],
        ['Heap', 'heapPerSocket'],
      ] as const) {
        const perSocket = (m: typeof ours): number => m[key][count] / KB;
        row(
          `${label} per idle socket, ${count} sockets`,
          perSocket(ours),
          none,
          perSocket(bare),
          'KiB',
        );
      }
    }
  }
  if (r.roundTrips) {
    row(
      'Database commands per move',
      r.roundTrips.ours.perMove,
      r.roundTrips['bare+db'].perMove,
      none,
    );
    if (r.roundTrips.edits) {
      row('Database commands per edit', r.roundTrips.edits.perMove, none, none);
    }
  }
  for (const [sockets, mixed] of Object.entries(r.changes ?? {})) {
    row(`Mixed changes/s, ${sockets} sockets`, mixed.perSecond, none, none);
    row(`Mixed changes p50, ${sockets} sockets`, mixed.p50, none, none, 'ms');
    row(`Mixed changes p99, ${sockets} sockets`, mixed.p99, none, none, 'ms');
  }
  for (const [tasks, { p50, p95, p99 }] of Object.entries(r.boardJoin ?? {})) {
    row(`project:join p50, ${tasks}-task board`, p50, none, none, 'ms');
    row(`project:join p95, ${tasks}-task board`, p95, none, none, 'ms');
    row(`project:join p99, ${tasks}-task board`, p99, none, none, 'ms');
  }
  for (const [count, { p50 }] of Object.entries(r.logins ?? {})) {
    row(`Login p50, ${Number(count).toLocaleString('en-US')} users`, p50, none, none, 'ms');
  }
  if (r.maxSockets) {
    rows.push([
      'Most concurrent authenticated sockets',
      formatNumber(r.maxSockets.held),
      ...Array<string>(6).fill('–'),
    ]);
  }
  const header = [
    'Measure',
    'CollabCampus',
    'seed design',
    'bare+db',
    'bare',
    'ours ÷ seed design',
    'ours ÷ bare+db',
    'ours ÷ bare',
  ];
  const lines = [markdownTable(header, rows), ''];
  if (r.maxSockets) {
    const { stoppedBy, rss } = r.maxSockets;
    lines.push(
      `Most concurrent sockets: stopped by ${stoppedBy}; server RSS ${formatNumber(rss / KB / KB, 'MiB')}.`,
      '',
    );
  }
  lines.push('Targets:');
  for (const t of targets(r)) {
    const bound = `${t.atLeast ? '≥' : '≤'} ${t.bound}`;
    lines.push(
      `- ${t.met ? 'met' : '**missed**'}: ${t.name} = ${t.value.toFixed(2)} (target ${bound})`,
    );
  }
  return lines.join('\n');
}
