import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sameJson } from './same-json.js';

test('sameJson agrees with comparing JSON.stringify prints', () => {
  const values: unknown[] = [
    undefined,
    null,
    0,
    -0,
    1,
    NaN,
    Infinity,
    '',
    '1',
    true,
    false,
    [],
    [undefined],
    [null],
    [1, 2],
    [2, 1],
    {},
    { a: 1 },
    { a: 1, b: undefined },
    { b: undefined, a: 1 },
    { a: 1, b: 2 },
    { b: 2, a: 1 },
    { a: undefined },
    { a: null },
    { a: () => 1 },
    { a: NaN },
    { a: null, b: [] },
    { a: { x: [1, { y: 'z' }] } },
    { a: { x: [1, { y: 'w' }] } },
    [{ a: 1 }, { b: undefined }],
    [{ a: 1 }, {}],
    () => 1,
    Symbol('s'),
  ];
  let compared = 0;
  for (const a of values) {
    for (const b of values) {
      assert.equal(sameJson(a, b), JSON.stringify(a) === JSON.stringify(b), `${String(JSON.stringify(a))} vs ${String(JSON.stringify(b))}`);
      compared++;
    }
  }
  assert.equal(compared, values.length ** 2);
});
