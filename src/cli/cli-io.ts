/**
 * Where a command writes and how it learns of Ctrl-C, injected so tests capture output and interrupt on cue.
 */

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stderr is a terminal, so a progress line may rewrite itself with `\r`. */
  readonly stderrIsTty: boolean;
  /**
   * A signal aborted on the first Ctrl-C (SIGINT) or SIGTERM. Only commands that ask for it take over those
   * signals; a second Ctrl-C then ends the process the default way.
   */
  interruptSignal(): AbortSignal;
}

/**
 * The real process: stdout, stderr and its signals. A reader that stops reading stdout (`ticketd token list | head`)
 * is no failure of the command: what is left to print is dropped, and a command that runs until interrupted stops.
 *
 * @example
 * const code = await runSubscribe(['customer-1'], processIo());
 */
export function processIo(): CliIo {
  let controller: AbortController | undefined;
  let readerGone = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    readerGone = true;
    // A command that runs until interrupted (subscribe) has no one left to tell: end it as Ctrl-C would.
    controller?.abort();
  });
  return {
    stdout: (text) => {
      if (!readerGone) process.stdout.write(text);
    },
    stderr: (text) => void process.stderr.write(text),
    stderrIsTty: process.stderr.isTTY === true,
    interruptSignal() {
      if (controller === undefined) {
        const own = new AbortController();
        controller = own;
        process.once('SIGINT', () => own.abort());
        process.once('SIGTERM', () => own.abort());
      }
      return controller.signal;
    },
  };
}
