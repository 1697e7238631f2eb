/**
 * Where a V8 CPU profile (from `npm run bench -- --profile`) spent its time: self time by
 * function and by package, the busiest first.
 *
 *   node dist/bench/profile-summary.js bench/profiles/fanout-ours.cpuprofile [top] [--ops N]
 *     [--seconds S | --skip S]
 *
 * With `--ops N` (the operations the workload's timed window counted, e.g. acks/s × 8 for the
 * bench's 8 s windows), only the last S seconds (8 unless told) before the server went idle are
 * summed, and each line is in microseconds per operation, so that two servers' profiles compare
 * directly. The moves workload measures its servers in slices spread over its run: for those,
 * `--skip S` sums everything after the first S seconds (the server's start), and N is the acks of
 * all its slices and ramps, which the run logs.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const IDLE = new Set(['(idle)', '(program)']);

function main(): void {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      ops: { type: 'string' },
      seconds: { type: 'string', default: '8' },
      skip: { type: 'string' },
    },
  });
  const [file, topArg] = positionals;
  if (!file) throw new Error('usage: profile-summary <file.cpuprofile> [top] [--ops N]');
  const top = Number(topArg ?? 25);
  const ops = values.ops === undefined ? undefined : Number(values.ops);
  const windowMicros = Number(values.seconds) * 1e6;
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const at: number[] = [];
  profile.timeDeltas.reduce((time, delta) => (at.push(time + delta), time + delta), 0);
  // With --ops: the window ending at the last busy sample, or everything after --skip.
  let from = -Infinity;
  let to = Infinity;
  if (ops !== undefined && values.skip !== undefined) from = Number(values.skip) * 1e6;
  else if (ops !== undefined) {
    const busy = profile.samples.findLastIndex(
      (id) => !IDLE.has(byId.get(id)?.callFrame.functionName ?? '(idle)'),
    );
    to = at[busy] ?? 0;
    from = to - windowMicros;
  }
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const micros = profile.timeDeltas[i] ?? 0;
    const frame = byId.get(id)?.callFrame;
    const time = at[i] ?? 0;
    if (!frame || time < from || time > to) return;
    total += micros;
    const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
    const name = `${frame.functionName || '(anonymous)'} ${where}`.trim();
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
    byPackage.set(packageOf(frame), (byPackage.get(packageOf(frame)) ?? 0) + micros);
  });
  const print = (title: string, totals: Map<string, number>): void => {
    console.log(`\n${title}`);
    for (const [name, micros] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      const figure =
        ops === undefined
          ? `${((100 * micros) / total).toFixed(1).padStart(5)}%`
          : `${(micros / ops).toFixed(1).padStart(6)} µs`;
      console.log(`${figure}  ${name}`);
    }
  };
  if (ops === undefined) console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`);
  else {
    let idle = 0;
    for (const name of IDLE) idle += byPackage.get(name) ?? 0;
    const busy = ((total - idle) / ops).toFixed(1);
    console.log(
      `${file}: ${values.skip === undefined ? `last ${values.seconds} s` : `after ${values.skip} s`}, ` +
        `${ops} operations, ${busy} µs busy per operation`,
    );
  }
  print('By package (self time):', byPackage);
  print('By function (self time):', byFunction);
}

const shortUrl = (url: string): string =>
  url
    .replace(/^file:\/\//, '')
    .replace(/^.*node_modules\//, '')
    .replace(/^.*\/dist\//, 'dist/');

function packageOf({ url, functionName }: ProfileNode['callFrame']): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return 'node core';
  if (url.includes('/dist/')) return 'app';
  return url;
}

main();
