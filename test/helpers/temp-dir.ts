/** Temporary directories for integration tests, removed when the test ends. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Test } from 'tap';

/**
 * Creates a fresh directory under the OS temp dir and removes it (recursively) in `t`'s teardown. Teardowns run last
 * registered first, so create the directory BEFORE starting anything that writes into it: that thing is then
 * stopped before the directory goes.
 */
export function tempDir(t: Test, prefix = 'brook-e2e-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.teardown(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}
