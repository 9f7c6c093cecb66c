/** Runs the `brook` CLI as a user would (a child process through tsx, as tests load TypeScript) and collects its output. */
import type { Test } from 'tap';
import { spawnBrook, type ExitInfo } from './broker-process.js';

/** What a CLI run printed and how it ended. */
export interface CliResult extends ExitInfo {
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time from spawn to exit, in ms. */
  readonly durationMs: number;
}

/** Options of {@link runBrook}. */
export interface RunBrookOptions {
  /** Written to stdin, which is then closed. Default: nothing (stdin closed at once). */
  readonly input?: string;
  /** Kill the command (SIGKILL) and reject after this long, in ms. Default 60 000. */
  readonly timeoutMs?: number;
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Runs `brook ...args` and resolves when it exits, whatever its exit code. Rejects if it runs longer than
 * `timeoutMs` (after killing it). A run still going when `t` ends is killed in teardown.
 */
export function runBrook(t: Test, args: readonly string[], options: RunBrookOptions = {}): Promise<CliResult> {
  const startMs = Date.now();
  const child = spawnBrook(args, options.env);
  const timeoutMs = options.timeoutMs ?? 60_000;
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // EPIPE when the command exits before reading all of its input is the command's business, not the test's.
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(options.input ?? '');
  const done = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `brook ${args.join(' ')} did not exit within ${String(timeoutMs)} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`,
        ),
      );
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    // 'close' (not 'exit') so that everything written to stdout and stderr has been read.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, durationMs: Date.now() - startMs });
    });
  });
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await done.catch(() => undefined);
    }
  });
  return done;
}
