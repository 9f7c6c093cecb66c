/** `brook consume --format`: kcat's tokens and escapes, json lines, and the template the --print-* flags stand for. */
import t from 'tap';
import { legacyFormat, parseFormat, type RawRecord } from '../../../cli/record-format.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

const record: RawRecord = {
  topic: 'orders',
  partition: 2,
  offset: 41,
  timestamp: 1_700_000_000_000,
  key: bytes('user-7'),
  value: bytes('2 x widget'),
  headers: [
    ['source', bytes('web')],
    ['trace', null],
  ],
};
const keyless: RawRecord = { ...record, key: null, value: null, headers: [] };

void t.test('a template prints each token and escape, and no newline of its own', (t) => {
  t.equal(
    parseFormat('%t %p %o %T %k %v %h')(record),
    'orders 2 41 1700000000000 user-7 2 x widget source=web,trace=',
    'every token, headers as k=v joined by commas',
  );
  t.equal(parseFormat('%k\\t%v\\n')(record), 'user-7\t2 x widget\n', '\\t and \\n are tab and newline');
  t.equal(parseFormat('100%% \\\\ %v\\r\\n')(record), '100% \\ 2 x widget\r\n', '%% and \\\\ are literal');
  t.equal(parseFormat('plain')(record), 'plain', 'text without tokens is printed as is');
  t.end();
});

void t.test('a null key or value prints as nothing, never as the text null', (t) => {
  t.equal(parseFormat('[%k][%v][%h]\\n')(keyless), '[][][]\n');
  t.end();
});

void t.test('json prints one object per line, with null where there is no key or value', (t) => {
  const line = parseFormat('json')(record);
  t.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'), 'one line');
  t.same(JSON.parse(line), {
    topic: 'orders',
    partition: 2,
    offset: 41,
    timestamp: 1_700_000_000_000,
    key: 'user-7',
    value: '2 x widget',
    headers: [
      { key: 'source', value: 'web' },
      { key: 'trace', value: null },
    ],
  });
  t.match(JSON.parse(parseFormat('json')(keyless)), { key: null, value: null, headers: [] });
  t.end();
});

void t.test('an unknown token or escape is refused, naming the flag, the value and the rule', (t) => {
  for (const bad of ['%x', '%', 'a\\q', 'a\\']) {
    t.throws(
      () => parseFormat(bad),
      { name: 'FlagError', message: /^--format .*: ".*" is not a token: use json/ },
      bad,
    );
  }
  t.end();
});

void t.test('--print-offset and --print-key stand for a template; the separator is literal text', (t) => {
  const plain = { printKey: false, printOffset: false, keySeparator: '\t' };
  t.equal(parseFormat(legacyFormat(plain))(record), '2 x widget\n', 'the value alone by default');
  t.equal(
    parseFormat(legacyFormat({ printKey: true, printOffset: true, keySeparator: '%v\\' }))(record),
    '2:41\tuser-7%v\\2 x widget\n',
    'partition:offset, then the key and the separator as typed',
  );
  t.end();
});
