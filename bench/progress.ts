/** The progress display: one line per measured run on stderr (what, which run, which system, how far overall). */

/** Where a run sits in the whole invocation. */
export interface ProgressStep {
  readonly step: number;
  readonly total: number;
  readonly elapsedMs: number;
  readonly scenario: string;
  readonly run: number;
  readonly runs: number;
  readonly system: string;
}

/** "[ 7/42  0:31] produce 100 B · run 2/3 · nats-jetstream: " */
export function progressLine(s: ProgressStep): string {
  const width = String(s.total).length;
  const seconds = Math.floor(s.elapsedMs / 1000);
  const clock = `${String(Math.floor(seconds / 60))}:${String(seconds % 60).padStart(2, '0')}`;
  return `[${String(s.step).padStart(width)}/${String(s.total)} ${clock.padStart(5)}] ${s.scenario} · run ${String(s.run)}/${String(s.runs)} · ${s.system}: `;
}

/** Writes progress lines; the result of a run completes its line. */
export class Progress {
  private step = 0;
  private readonly startedMs = performance.now();

  constructor(
    private readonly total: number,
    private readonly write: (text: string) => void = (text) => process.stderr.write(text),
  ) {}

  /** Starts the line of the next run. */
  begin(scenario: string, run: number, runs: number, system: string): void {
    this.step++;
    this.write(
      progressLine({
        step: this.step,
        total: this.total,
        elapsedMs: performance.now() - this.startedMs,
        scenario,
        run,
        runs,
        system,
      }),
    );
  }

  /** Ends the current line with what the run measured (or its error). */
  end(result: string): void {
    this.write(`${result}\n`);
  }

  /** A line of its own (starting a server, a skipped peer). */
  note(text: string): void {
    this.write(`${text}\n`);
  }

  get elapsedSeconds(): number {
    return (performance.now() - this.startedMs) / 1000;
  }
}
