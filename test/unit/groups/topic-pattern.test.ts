import t from 'tap';
import { MAX_PATTERN_REPETITIONS, TopicPattern } from '../../../broker/groups/topic-pattern.js';

const matches = (source: string, topic: string): boolean => TopicPattern.compile(source).matches(topic);

void t.test('the RegExp syntax clients use matches whole topic names as a JavaScript RegExp would', (t) => {
  const cases: [string, string][] = [
    ['orders\\..*', 'orders.eu'],
    ['audit\\-?\\.a', 'audit.a'],
    ['(?:a|b)[0-9]{2,3}', 'b123'],
    ['\\w+-\\d+', 'logs-7'],
    ['x*?y+?', 'xxy'],
    ['^orders$', 'orders'],
    ['(?<region>eu|us)-events', 'us-events'],
  ];
  for (const [source, topic] of cases) {
    const js = new RegExp(`^(?:${source})$`).test(topic);
    t.equal(matches(source, topic), js, `/${source}/ on ${topic}`);
    t.equal(matches(source, `${topic}-more`), new RegExp(`^(?:${source})$`).test(`${topic}-more`), 'whole names');
  }
  t.notOk(matches('a|b', 'ab'), 'an alternation is matched whole, not per branch');
  t.end();
});

void t.test('(a+)+ against a long name takes linear time', (t) => {
  const pattern = TopicPattern.compile('(a+)+');
  t.notOk(pattern.matches(`${'a'.repeat(200)}!`), 'no match, and no exponential search to find that out');
  t.ok(pattern.matches('a'.repeat(200)));
  t.end();
});

void t.test('patterns RE2 cannot read, or too large to match cheaply, are INVALID_REQUEST with the reason', (t) => {
  const refused: [string, RegExp][] = [
    ['(', /missing closing \)/],
    ['(a)\\1', /invalid escape sequence/],
    ['a(?=b)', /unsupported Perl syntax/],
    ['\\u0041', /invalid escape sequence/],
    [`a{${String(MAX_PATTERN_REPETITIONS + 1)}}`, /counted repetitions add up to 101/],
    ['[a-z]{0,60}[0-9]{50}', /counted repetitions add up to 110/],
    ['(?:a|bc|def|ghij|klmno){100}', /compiles to \d+ instructions, more than 500/],
  ];
  for (const [source, message] of refused) {
    t.throws(() => TopicPattern.compile(source), { code: 'INVALID_REQUEST', message }, source);
  }
  t.end();
});

void t.test('braces in escapes and classes, and those that are no quantifier, are not counted', (t) => {
  t.ok(matches('\\{1000\\}[{]999[}]', '{1000}{999}'), 'escaped braces and braces in a class are literals');
  t.ok(matches('[]{]{5000,', ']{5000,'), "']' first in a class, and a '{' that opens no quantifier");
  t.end();
});
