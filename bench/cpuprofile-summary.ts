import { readFileSync } from 'node:fs';

/**
 * Self time per function in V8 `.cpuprofile` files, heaviest first, as a share of busy (non-idle) time.
 *
 * @example
 * node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/run.ts actor.ask
 * node --import tsx bench/cpuprofile-summary.ts /tmp/prof/CPU.*.cpuprofile 25
 */
interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const last = args.at(-1);
const top = last !== undefined && /^\d+$/.test(last) ? Number(args.pop()) : 30;
if (args.length === 0) throw new Error('usage: cpuprofile-summary.ts <file.cpuprofile>... [top]');

const selfUs = new Map<string, number>();
let totalUs = 0;
for (const file of args) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame;
    // Idle time is not cost (and tsx's loader thread writes a profile that is nearly all idle).
    if (frame === undefined || frame.functionName === '(idle)') return;
    // Inlined callees are charged to the function they were inlined into: a heavy entry is "it and its inlinees".
    const where = frame.url.replace(/^.*?\/(src|bench|node_modules)\//, '$1/');
    const key = `${frame.functionName || '(anonymous)'} ${where}`;
    const deltaUs = profile.timeDeltas[i] ?? 0;
    totalUs += deltaUs;
    selfUs.set(key, (selfUs.get(key) ?? 0) + deltaUs);
  });
}

for (const [key, us] of [...selfUs].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${((100 * us) / totalUs).toFixed(1).padStart(6)}% ${(us / 1_000).toFixed(0).padStart(7)} ms  ${key}`);
}
