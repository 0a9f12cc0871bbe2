import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HTTPRoute } from '../../model/config-types.js';
import { sortHTTPRoutes } from './route-sort.js';

const r = (name: string, match?: Record<string, unknown>): HTTPRoute => ({ name, ...(match !== undefined ? { match: [match as never] } : {}) });

test('sortHTTPRoutes: Gateway API precedence', async (t) => {
  const cases: { name: string; input: HTTPRoute[]; want: string[] }[] = [
    {
      name: 'exact before prefix before regex, then longer first',
      input: [r('regex', { uri: { regex: '/match/.*' } }), r('short', { uri: { prefix: '/m' } }), r('long', { uri: { prefix: '/match/prefix' } }), r('exact', { uri: { exact: '/a' } })],
      want: ['exact', 'long', 'short', 'regex'],
    },
    {
      name: 'same path: method, then more headers, then more query params',
      input: [
        r('plain', { uri: { prefix: '/' } }),
        r('query', { uri: { prefix: '/' }, queryParams: { a: { exact: '1' } } }),
        r('headers2', { uri: { prefix: '/' }, headers: { a: { exact: '1' }, b: { exact: '2' } } }),
        r('headers1', { uri: { prefix: '/' }, headers: { a: { exact: '1' } } }),
        r('method', { uri: { prefix: '/' }, method: { exact: 'GET' } }),
      ],
      want: ['method', 'headers2', 'headers1', 'query', 'plain'],
    },
    {
      name: 'routes without a match go last; ties keep input order (oldest route first)',
      input: [r('catch-all'), r('older', { uri: { prefix: '/v2' } }), r('newer', { uri: { prefix: '/v2' } })],
      want: ['older', 'newer', 'catch-all'],
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () =>
      assert.deepEqual(
        sortHTTPRoutes(c.input).map((x) => x.name),
        c.want,
      ),
    );
  }
});
