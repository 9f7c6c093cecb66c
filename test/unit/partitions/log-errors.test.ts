import t from 'tap';
import { LogError, LogErrorKind } from '../../../broker/log/log-error.js';
import { toBrookError } from '../../../broker/partitions/log-errors.js';
import { BrookError } from '../../../protocol/index.js';

void t.test('log error kinds map to wire codes', (t) => {
  const cases: [LogErrorKind, string][] = [
    [LogErrorKind.CORRUPT_BATCH, 'CORRUPT_BATCH'],
    [LogErrorKind.OFFSET_OUT_OF_RANGE, 'OFFSET_OUT_OF_RANGE'],
    [LogErrorKind.STORAGE_FULL, 'STORAGE_ERROR'],
    [LogErrorKind.STORAGE_ERROR, 'STORAGE_ERROR'],
    [LogErrorKind.INVALID_ARGUMENT, 'INVALID_REQUEST'],
    [LogErrorKind.CLOSED, 'UNKNOWN_TOPIC'],
  ];
  for (const [kind, code] of cases) {
    const mapped = toBrookError(new LogError(kind, `boom ${kind}`));
    t.equal(mapped.code, code, kind);
    t.equal(mapped.message, `boom ${kind}`, "the log's message is kept");
  }
  t.equal(toBrookError(new LogError(LogErrorKind.CLOSED, 'x'), 'SHUTTING_DOWN').code, 'SHUTTING_DOWN');
  t.end();
});

void t.test('BrookErrors pass through; anything else is UNKNOWN', (t) => {
  const original = new BrookError('NOT_LEADER', 'no', { leaderId: 3 });
  t.equal(toBrookError(original), original);
  t.equal(toBrookError(new TypeError('bug')).code, 'UNKNOWN');
  t.equal(toBrookError('text').message, 'text');
  t.end();
});
