import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileStringMatcher } from './string-matcher.js';
import { ProxyConfigError } from '../config/config-error.js';

describe('StringMatcher', () => {
  const cases: { name: string; config: unknown; value: string; want: boolean }[] = [
    { name: 'exact hit', config: { exact: 'abc' }, value: 'abc', want: true },
    { name: 'exact is case-sensitive', config: { exact: 'abc' }, value: 'ABC', want: false },
    { name: 'exact ignore_case', config: { exact: 'abc', ignore_case: true }, value: 'AbC', want: true },
    { name: 'exact empty matches empty', config: { exact: '' }, value: '', want: true },
    { name: 'prefix', config: { prefix: '/api' }, value: '/api/v1', want: true },
    { name: 'prefix miss', config: { prefix: '/api' }, value: '/ap', want: false },
    { name: 'prefix ignoreCase (camelCase)', config: { prefix: '/API', ignoreCase: true }, value: '/api/x', want: true },
    { name: 'suffix', config: { suffix: '.js' }, value: 'a.js', want: true },
    { name: 'suffix miss', config: { suffix: '.js' }, value: 'a.ts', want: false },
    { name: 'contains', config: { contains: 'mid' }, value: 'amidst', want: true },
    { name: 'contains ignore_case', config: { contains: 'MID', ignore_case: true }, value: 'amidst', want: true },
    { name: 'safe_regex full match', config: { safe_regex: { regex: 'a+b' } }, value: 'aaab', want: true },
    { name: 'safe_regex is not a search', config: { safe_regex: { regex: 'a+b' } }, value: 'xaaabx', want: false },
    { name: 'safe_regex alternation is anchored as a whole', config: { safe_regex: { regex: 'a|b' } }, value: 'ab', want: false },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(compileStringMatcher(c.config, 'm').match(c.value), c.want));
  }

  const errors: { name: string; config: unknown; path: string }[] = [
    { name: 'no pattern', config: { ignore_case: true }, path: 'm' },
    { name: 'two patterns', config: { exact: 'a', prefix: 'b' }, path: 'm.prefix' },
    { name: 'empty prefix', config: { prefix: '' }, path: 'm.prefix' },
    { name: 'bad regex', config: { safe_regex: { regex: '(' } }, path: 'm.safe_regex.regex' },
    { name: 'lookahead is not RE2', config: { safe_regex: { regex: '(?=a)' } }, path: 'm.safe_regex.regex' },
    { name: 'unknown field', config: { exact: 'a', bogus: 1 }, path: 'm.bogus' },
    { name: 'custom unsupported', config: { custom: {} }, path: 'm.custom' },
  ];
  for (const e of errors) {
    test(`error: ${e.name}`, () => {
      assert.throws(() => compileStringMatcher(e.config, 'm'), (err: unknown) => err instanceof ProxyConfigError && err.path === e.path);
    });
  }
});
