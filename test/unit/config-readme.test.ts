import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { CONFIG_FIELD_NAMES } from '../../broker/config-fields.js';
import { envName, flagName, textField } from '../../broker/config-kinds.js';
import { CONFIG_TABLE_MARK, renderConfigTable, withConfigTable } from '../../broker/config-readme.js';

const README = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'README.md');

void t.test("README.md's configuration table is the one rendered from the table of fields", (t) => {
  const readme = fs.readFileSync(README, 'utf8');
  t.ok(readme.includes(CONFIG_TABLE_MARK), 'the README marks its configuration table');
  // Compared line by line so that a failure shows the rows that differ.
  t.same(readme.split('\n'), withConfigTable(readme).split('\n'), 'README.md is out of date: run `make readme-config`');
  t.end();
});

void t.test('every field has a row with its flag and environment variable', (t) => {
  const rows = renderConfigTable().split('\n').slice(2);
  t.equal(rows.length, CONFIG_FIELD_NAMES.length);
  for (const [i, name] of CONFIG_FIELD_NAMES.entries()) {
    t.match(rows[i], `| \`${flagName(name)}\``, name);
    t.match(rows[i], `\`${envName(name)}\``, name);
  }
  t.match(renderConfigTable(), '| `--broker-id`, `--id` ', "an alias shares its field's row");
  t.end();
});

void t.test('withConfigTable replaces what follows the mark, keeps the rest, and changes nothing twice', (t) => {
  const stale = [
    '# Brook',
    '',
    CONFIG_TABLE_MARK,
    '',
    '| flag | meaning |',
    '| --- | --- |',
    '| `--x` | gone |',
    '',
    'After.',
  ];
  const fresh = withConfigTable(stale.join('\n'));
  t.not(fresh, stale.join('\n'), 'a stale table is seen as different');
  t.same(fresh.split('\n'), ['# Brook', '', CONFIG_TABLE_MARK, '', ...renderConfigTable().split('\n'), '', 'After.']);
  t.equal(withConfigTable(fresh), fresh);
  t.throws(() => withConfigTable('# Brook\n'), /lacks the line that marks the configuration table/);
  t.end();
});

void t.test('columns are padded to one width, as prettier lays a table out, and a pipe in a cell is escaped', (t) => {
  const lines = renderConfigTable().split('\n');
  t.equal(new Set(lines.map((line) => line.length)).size, 1, 'every line as long as the header');
  t.match(lines[1], /^\| -+ \| -+ \| -+ \| -+ \| -+ \|$/);
  const piped = textField({ doc: 'a | b', default: 'x', arg: 'v' });
  t.match(renderConfigTable([['someField', piped]]), '| a \\| b ');
  t.end();
});
