/**
 * The committed broker/kafka/messages/ is exactly what the generator makes of the vendored definitions: a changed
 * definition or generator without regenerating (`npx tsx broker/kafka/codegen/main.ts`) fails here.
 */
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { OUTPUT_DIR, generate } from '../../../broker/kafka/codegen/generate.js';
import { parseVersions, stripComments } from '../../../broker/kafka/codegen/spec.js';

const root = join(import.meta.dirname, '../../..');

void t.test('regenerating gives the committed files, byte for byte', async (t) => {
  const generated = await generate(root);
  const committed = readdirSync(join(root, OUTPUT_DIR)).sort();
  t.strictSame(committed, [...generated.keys()].sort(), 'the same file names');
  for (const [name, source] of generated) {
    t.ok(source === readFileSync(join(root, OUTPUT_DIR, name), 'utf8'), `${name} is up to date`);
  }
});

void t.test("Kafka's version ranges", (t) => {
  t.strictSame(parseVersions('3'), { lowest: 3, highest: 3 });
  t.strictSame(parseVersions('1-4'), { lowest: 1, highest: 4 });
  t.strictSame(parseVersions('2+'), { lowest: 2, highest: Infinity });
  t.strictSame(parseVersions('none'), { lowest: 1, highest: 0 }, 'an empty range');
  t.throws(() => parseVersions('x'), Error);
  t.end();
});

void t.test('comments go, but // inside strings stays', (t) => {
  const text = '// licence\n{ "about": "see http://kafka.apache.org", // note\n "a": "\\"//\\"" }';
  t.strictSame(JSON.parse(stripComments(text)), { about: 'see http://kafka.apache.org', a: '"//"' });
  t.end();
});
