/**
 * CPU profile of a producer run, taken inside the child with the V8 sampling profiler (what
 * `node --cpu-prof` writes), summarised there by self time. Positions are mapped through the
 * bundle's source map (the child runs with --enable-source-maps), so they name the .ts
 * file and line rather than the transpiled output.
 */
import { Session } from 'node:inspector/promises';
import { findSourceMap } from 'node:module';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface HotFunction {
  name: string;
  /** file:line (1-based), source-mapped where a map exists. */
  where: string;
  selfMs: number;
  selfPercent: number;
  /** The caller that accounts for most of this self time (native frames say little alone). */
  caller: string;
}

export interface ProfileSummary {
  totalMs: number;
  top: HotFunction[];
}

const root = process.cwd();

function position(frame: CallFrame): string {
  if (frame.url === '') return '(native)';
  let file = frame.url;
  let line = frame.lineNumber + 1;
  const map = frame.lineNumber >= 0 ? findSourceMap(frame.url) : undefined;
  const entry = map?.findEntry(frame.lineNumber, frame.columnNumber);
  if (entry !== undefined && 'originalSource' in entry) {
    file = entry.originalSource;
    line = entry.originalLine + 1;
  }
  if (file.startsWith('file://')) file = fileURLToPath(file);
  if (file.startsWith('/')) file = relative(root, file);
  return `${file}:${line}`;
}

function summarise(profile: CpuProfile, top: number): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, ProfileNode>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n);
  const label = (n: ProfileNode | undefined) => (n === undefined ? '' : `${n.callFrame.functionName || '(anonymous)'} ${position(n.callFrame)}`);
  const self = new Map<string, { name: string; where: string; us: number; callers: Map<string, number> }>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    total += us;
    const node = byId.get(id);
    if (node === undefined) return;
    const where = position(node.callFrame);
    const name = node.callFrame.functionName || '(anonymous)';
    const key = `${name}@${where}`;
    let hit = self.get(key);
    if (hit === undefined) {
      hit = { name, where, us: 0, callers: new Map() };
      self.set(key, hit);
    }
    hit.us += us;
    const caller = label(parentOf.get(id));
    hit.callers.set(caller, (hit.callers.get(caller) ?? 0) + us);
  });
  const sorted = [...self.values()].sort((a, b) => b.us - a.us).slice(0, top);
  return {
    totalMs: total / 1000,
    top: sorted.map((f) => {
      const [caller = '', us = 0] = [...f.callers].sort((a, b) => b[1] - a[1])[0] ?? [];
      return {
        name: f.name,
        where: f.where,
        selfMs: f.us / 1000,
        selfPercent: (100 * f.us) / total,
        caller: caller === '' ? '' : `${caller} (${Math.round((100 * us) / f.us)}%)`,
      };
    }),
  };
}

/** Starts the profiler; the returned function stops it and summarises the top functions. */
export async function startProfile(): Promise<(top: number) => Promise<ProfileSummary>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  return async (top) => {
    const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
    session.disconnect();
    return summarise(profile, top);
  };
}
