/**
 * A broker started by a test or benchmark ends when the process that started it dies, even by SIGKILL (as tap ends a
 * test file past its timeout, before its teardown runs): no cluster is left running after its test.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { typescriptLoaderArgs } from '../../helpers/broker-process.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';

const PARENT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'parent-of-broker.ts');

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

void t.test('a SIGKILLed parent takes its broker with it', async (t) => {
  const parent = spawn(process.execPath, [...typescriptLoaderArgs(), PARENT, tempDir(t)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const started: number[] = [];
  t.teardown(() => {
    parent.kill('SIGKILL');
    for (const pid of started.filter(running)) process.kill(pid, 'SIGKILL');
  });
  const lines = createInterface({ input: parent.stdout });
  const firstLine = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    parent.once('exit', (code) => {
      reject(new Error(`the parent exited (code ${String(code)}) before printing`));
    });
  });
  const pid = Number(firstLine);
  started.push(pid);
  t.ok(Number.isSafeInteger(pid) && running(pid), 'the broker runs while its parent does');

  parent.kill('SIGKILL');
  await waitFor(() => !running(pid), { what: `broker ${String(pid)} to exit after its parent was killed` });
  t.notOk(running(pid), 'the broker is gone');
});
