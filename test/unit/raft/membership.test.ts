import t from 'tap';
import {
  applyConfigChange,
  applyConfigEntry,
  decodeConfigEntry,
  encodeConfigEntry,
  makeConfig,
} from '../../../broker/raft/index.js';
import { isVoter, sameConfig } from '../../../broker/raft/membership.js';

void t.test('config entries round-trip with the change and the resulting config', (t) => {
  const data = { change: { type: 'removeVoter', nodeId: 4 }, config: { voters: [1, 2, 3] } } as const;
  const bytes = encodeConfigEntry(data);
  t.equal(bytes.byteLength, 7 + 12);
  t.same(decodeConfigEntry(bytes), data);
  const big = { change: { type: 'addVoter', nodeId: 0xfffffffe }, config: { voters: [0xfffffffe] } } as const;
  t.same(decodeConfigEntry(encodeConfigEntry(big)), big);
  t.end();
});

void t.test('malformed config entries are rejected', (t) => {
  t.throws(() => decodeConfigEntry(new Uint8Array(3)), /too short/);
  t.throws(() => decodeConfigEntry(new Uint8Array([1, 0, 0, 0, 4, 0, 2, 0, 0, 0, 1])), /must be/);
  t.throws(() => decodeConfigEntry(new Uint8Array([9, 0, 0, 0, 4, 0, 0])), /unknown/);
  t.throws(() => encodeConfigEntry({ change: { type: 'addVoter', nodeId: 0 }, config: { voters: [] } }), RangeError);
  t.throws(() => encodeConfigEntry({ change: { type: 'addVoter', nodeId: 1.5 }, config: { voters: [] } }), RangeError);
  t.end();
});

void t.test('applyConfigChange adds and removes one voter; makeConfig normalises', (t) => {
  const base = makeConfig([3, 1, 2, 2]);
  t.same(base.voters, [1, 2, 3]);
  t.same(applyConfigChange(base, { type: 'addVoter', nodeId: 4 }).voters, [1, 2, 3, 4]);
  t.same(applyConfigChange(base, { type: 'removeVoter', nodeId: 2 }).voters, [1, 3]);
  t.same(applyConfigChange(base, { type: 'addVoter', nodeId: 2 }).voters, [1, 2, 3], 'idempotent');
  t.ok(isVoter(base, 2));
  t.notOk(isVoter(base, 9));
  t.ok(sameConfig(base, makeConfig([1, 2, 3])));
  t.notOk(sameConfig(base, makeConfig([1, 2])));
  t.end();
});

void t.test('applyConfigEntry takes the config a config entry carries and ignores other entries', (t) => {
  const base = makeConfig([1, 2, 3]);
  const data = encodeConfigEntry({ change: { type: 'addVoter', nodeId: 4 }, config: { voters: [1, 2, 3, 4] } });
  t.same(applyConfigEntry(makeConfig([]), { index: 1, term: 1, type: 'config', data }).voters, [1, 2, 3, 4]);
  t.equal(applyConfigEntry(base, { index: 1, term: 1, type: 'normal', data }), base);
  t.end();
});
