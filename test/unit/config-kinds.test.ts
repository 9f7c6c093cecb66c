import t from 'tap';
import {
  ConfigError,
  choiceField,
  envName,
  flagName,
  integerField,
  optionalTextField,
  parseInteger,
  switchField,
  textField,
} from '../../broker/config-kinds.js';

void t.test('a field name gives its flag and environment variable', (t) => {
  t.equal(flagName('maxFrameBytes'), '--max-frame-bytes');
  t.equal(envName('maxFrameBytes'), 'BROOK_MAX_FRAME_BYTES');
  t.equal(flagName('id'), '--id');
  t.equal(envName('id'), 'BROOK_ID');
  t.end();
});

void t.test('an integer field shows its default with its unit apart, and checks its bounds', (t) => {
  const shown = (value: number, unit?: 'bytes' | 'ms' | 'ticks'): string =>
    integerField({ doc: '', default: value, min: -1, max: 2 ** 40, ...(unit === undefined ? {} : { unit }) })
      .defaultText;
  t.equal(shown(8 * 1024 * 1024, 'bytes'), '8 MiB');
  t.equal(shown(64 * 1024, 'bytes'), '64 KiB');
  t.equal(shown(1000, 'bytes'), '1000');
  t.equal(shown(-1, 'bytes'), '-1');
  t.equal(shown(9400), '9400', 'four digits are not grouped (ports)');
  t.equal(shown(10_000_000), '10 000 000');
  t.equal(shown(300_000, 'ms'), '300 000 (5 min)');
  t.equal(shown(7 * 24 * 3600 * 1000, 'ms'), '604 800 000 (7 days)');
  t.equal(shown(45_000, 'ms'), '45 000');
  const field = integerField({ doc: '', default: 2, min: 1, max: 10, unit: 'ticks' });
  t.equal(field.unit, 'ticks');
  t.equal(field.check('someTicks', 10), 10);
  t.throws(() => field.check('someTicks', 11), new ConfigError('someTicks', 'must be an integer in [1, 10], got 11'));
  t.throws(() => field.check('someTicks', '3'), new ConfigError('someTicks', 'must be an integer in [1, 10], got "3"'));
  t.end();
});

void t.test('parseInteger takes decimal integers only; an empty value is not 0', (t) => {
  t.equal(parseInteger('-1'), -1);
  t.equal(parseInteger('9400'), 9400);
  for (const bad of ['', ' ', '1.5', 'x', '9007199254740993']) {
    t.throws(() => parseInteger(bad), { message: `expected an integer, got "${bad}"` }, JSON.stringify(bad));
  }
  t.end();
});

void t.test('text, optional text, choice and switch fields', (t) => {
  const text = textField({ doc: '', default: './data', arg: 'dir' });
  t.equal(text.defaultText, '`./data`');
  t.throws(() => text.check('dataDir', ''), {
    message: 'invalid broker config: dataDir (--data-dir): must be a non-empty string, got ""',
  });
  const id = optionalTextField({ doc: '', defaultText: 'made', arg: 'id', pattern: /^[a-z]+$/ });
  t.equal(id.check('clusterId', undefined), undefined);
  t.throws(() => id.check('clusterId', 'A'), new ConfigError('clusterId', 'must match /^[a-z]+$/, got "A"'));
  const choice = choiceField({ doc: '', choices: ['a', 'b'], default: 'a', arg: 'x' });
  t.same(choice.choices, ['a', 'b']);
  t.equal(choice.parse('b'), 'b');
  t.throws(() => choice.parse('c'), { message: "must be one of 'a', 'b', got \"c\"" });
  t.throws(() => choice.check('flush', 'c'), new ConfigError('flush', "must be one of 'a', 'b', got \"c\""));
  const toggle = switchField({ doc: '' });
  t.equal(toggle.default, false);
  t.equal(toggle.defaultText, 'off');
  t.equal(toggle.arg, undefined);
  t.throws(() => toggle.check('join', 1), new ConfigError('join', 'must be true or false, got 1'));
  t.end();
});
