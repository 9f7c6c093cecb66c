/** Text output that respects backpressure, so that memory stays bounded while the reader of stdout is slow. */
import type { Writable } from 'node:stream';

/** Writes to a stream; write() hands back a promise only when the caller must wait for the stream to drain. */
export class Output {
  private failure: Error | undefined;

  constructor(private readonly stream: Writable) {
    // Without a listener, EPIPE (the reader went away: `brook consume | head`) would crash the process.
    stream.on('error', (err: Error) => {
      this.failure ??= err;
    });
  }

  /** Why the stream failed (EPIPE when its reader is gone), or undefined while it works. */
  get error(): Error | undefined {
    return this.failure;
  }

  /** Writes `text`; when the stream's buffer is full, resolves once it has drained (or failed). */
  write(text: string): Promise<void> | undefined {
    if (this.failure !== undefined || this.stream.write(text)) return undefined;
    return new Promise((resolve) => {
      const done = (): void => {
        this.stream.off('drain', done);
        this.stream.off('error', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('error', done);
      this.stream.on('close', done);
    });
  }
}
