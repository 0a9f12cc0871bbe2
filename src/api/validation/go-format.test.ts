import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goQuote } from './go-format.js';

test('goQuote writes control characters as Go does', () => {
  assert.equal(goQuote('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(goQuote('\x01\x07\t\n\v\x1f\x7f'), '"\\x01\\a\\t\\n\\v\\x1f\\x7f"');
  // A literal backslash before "u0001" stays an escaped backslash, not a control character.
  assert.equal(goQuote('\\u0001'), '"\\\\u0001"');
  assert.equal(goQuote('日本'), '"日本"');
});
