/** The consume command's output: it asks the caller to wait while the stream is full, and notes a broken stream. */
import { Writable } from 'node:stream';
import t from 'tap';
import { Output } from '../../../cli/output.js';

/** A stream that holds every write until `release()` (a reader that is behind). */
function slowStream(highWaterMark: number): { stream: Writable; written: string[]; release: () => void } {
  const written: string[] = [];
  const held: (() => void)[] = [];
  const stream = new Writable({
    highWaterMark,
    decodeStrings: false,
    write(chunk: string, _encoding, callback) {
      written.push(chunk);
      held.push(callback);
    },
  });
  const release = (): void => {
    for (const callback of held.splice(0)) callback();
  };
  return { stream, written, release };
}

void t.test('write() hands back a promise only when the stream is full, resolved once it drains', async (t) => {
  const { stream, release } = slowStream(8);
  const output = new Output(stream);
  t.equal(output.write('1234'), undefined, 'under the high-water mark: go on at once');
  const full = output.write('56789');
  t.ok(full instanceof Promise, 'over it: wait');
  let drained = false;
  void full?.then(() => (drained = true));
  await Promise.resolve();
  t.notOk(drained, 'not before the stream drains');
  release();
  await new Promise((resolve) => setImmediate(resolve));
  release();
  await full;
  t.pass('resolved once the stream drained');
});

void t.test('a stream error (EPIPE: the reader is gone) is noted and ends the wait', async (t) => {
  const { stream } = slowStream(1);
  const output = new Output(stream);
  const full = output.write('more than one byte');
  stream.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
  await full;
  t.match(output.error, { code: 'EPIPE' }, 'the error is kept for the caller');
  t.equal(output.write('after'), undefined, 'later writes are dropped without waiting');
});
