/**
 * Space on the filesystem that holds the data directory, read with statfs at scrape time (no timer, and no stale
 * value between scrapes). `free` counts what an unprivileged process may still use (`bavail`), not the blocks
 * reserved for root, because that is what the broker's writes can take before they fail with STORAGE_ERROR.
 */
import type { StatsFs } from 'node:fs';
import fs from 'node:fs/promises';
import { Gauge, type Registry } from 'prom-client';

/** Registers `brook_disk_free_bytes` and `brook_disk_size_bytes` for `dataDir` in `registry`. */
export function registerDiskMetrics(registry: Registry, dataDir: string): void {
  const gauge = (name: string, help: string, read: (stats: StatsFs) => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      // Each gauge asks statfs itself: prom-client collects metrics concurrently, so a value shared between the
      // two would come from the previous scrape. The call is one syscall.
      async collect() {
        try {
          this.set(read(await fs.statfs(dataDir)));
        } catch {
          // The directory is gone or unreadable: NaN (unknown) rather than a false zero, which would raise the alert.
          this.set(Number.NaN);
        }
      },
    });
  };
  gauge(
    'brook_disk_free_bytes',
    'Bytes still available to the broker on the filesystem of its data directory.',
    (s) => s.bavail * s.bsize,
  );
  gauge('brook_disk_size_bytes', 'Size of the filesystem of the data directory, in bytes.', (s) => s.blocks * s.bsize);
}
