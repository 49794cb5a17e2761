import type { CliIo } from '../../src/cli/cli-io.ts';

/** A CliIo that collects what a command writes, for assertions. */
export function capture(stderrIsTty = false): { io: CliIo; out: { stdout: string; stderr: string } } {
  const out = { stdout: '', stderr: '' };
  const io: CliIo = {
    stdout: (text) => void (out.stdout += text),
    stderr: (text) => void (out.stderr += text),
    stderrIsTty,
    interruptSignal: () => new AbortController().signal,
  };
  return { io, out };
}
