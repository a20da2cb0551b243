/**
 * Summarises a V8 CPU profile (`.cpuprofile`, e.g. from `npm run bench -- --profile`): the
 * functions with the most self time, and the most inclusive time, as tables.
 *
 *   node --import tsx bench/profile-summary.ts bench/results/profiles/pipeline-1M-1.cpuprofile [--top 25]
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionTime {
  name: string;
  where: string;
  selfMs: number;
  totalMs: number;
}

/** Self and inclusive time per function (a recursive function counts once per sample). */
export function functionTimes(profile: CpuProfile): { totalMs: number; functions: FunctionTime[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (n: ProfileNode) => {
    const file = n.callFrame.url.split('/').slice(-2).join('/');
    return `${n.callFrame.functionName || '(anonymous)'}\u0000${file}:${n.callFrame.lineNumber + 1}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let totalMs = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    totalMs += ms;
    const leaf = byId.get(id);
    if (leaf === undefined) return;
    self.set(keyOf(leaf), (self.get(keyOf(leaf)) ?? 0) + ms);
    const seen = new Set<string>();
    for (let n: ProfileNode | undefined = leaf; n !== undefined; n = byId.get(parent.get(n.id) ?? -1)) {
      const key = keyOf(n);
      if (seen.has(key)) continue;
      seen.add(key);
      total.set(key, (total.get(key) ?? 0) + ms);
    }
  });
  const functions = [...total.keys()].map((key) => {
    const [name, where] = key.split('\u0000') as [string, string];
    return { name, where, selfMs: self.get(key) ?? 0, totalMs: total.get(key) ?? 0 };
  });
  return { totalMs, functions };
}

function table(title: string, rows: FunctionTime[], totalMs: number, by: 'selfMs' | 'totalMs'): string {
  const lines = rows.map((f) => {
    const ms = f[by];
    return `${ms.toFixed(0).padStart(8)} ms ${((ms / totalMs) * 100).toFixed(1).padStart(5)} %  ${f.name}  ${f.where}`;
  });
  return [title, ...lines].join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: { top: { type: 'string', default: '25' } },
  });
  const file = positionals[0];
  if (file === undefined) {
    process.stderr.write('Usage: node --import tsx bench/profile-summary.ts FILE.cpuprofile [--top N]\n');
    process.exitCode = 1;
  } else {
    const top = Number(values.top);
    const { totalMs, functions } = functionTimes(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
    const bySelf = [...functions].sort((a, b) => b.selfMs - a.selfMs).slice(0, top);
    const byTotal = [...functions].sort((a, b) => b.totalMs - a.totalMs).slice(0, top);
    process.stdout.write(
      `${file}: ${(totalMs / 1000).toFixed(2)} s sampled\n\n` +
        `${table('self time', bySelf, totalMs, 'selfMs')}\n\n${table('inclusive time', byTotal, totalMs, 'totalMs')}\n`,
    );
  }
}
