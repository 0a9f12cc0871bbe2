import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldPathFromPointer, formatFieldPath, parseFieldPath, valueAt, type FieldPath } from './field-path.js';

describe('field paths', () => {
  const cases: { path: FieldPath; text: string }[] = [
    { path: [], text: '' },
    { path: ['spec'], text: 'spec' },
    { path: ['spec', 'http', 0, 'route', 1, 'weight'], text: 'spec.http[0].route[1].weight' },
    { path: ['metadata', 'labels', 'app.kubernetes.io/name'], text: 'metadata.labels[app.kubernetes.io/name]' },
    { path: ['spec', 'http', 0, 'match', 0, 'headers', 'user-agent'], text: 'spec.http[0].match[0].headers.user-agent' },
    { path: ['spec', 'configPatches', 0, 'patch', 'value', 'typed_config', '@type'], text: 'spec.configPatches[0].patch.value.typed_config[@type]' },
    { path: ['data', 'tls.crt'], text: 'data[tls.crt]' },
  ];
  for (const c of cases) {
    test(`${JSON.stringify(c.path)} ⇄ ${JSON.stringify(c.text)}`, () => {
      assert.equal(formatFieldPath(c.path), c.text);
      assert.deepEqual(parseFieldPath(c.text), c.path);
    });
  }

  test('an unterminated bracket is refused', () => {
    assert.throws(() => parseFieldPath('spec.http[0'), /unterminated/);
  });

  test('JSON pointers become paths; indexes only where the data has a list', () => {
    const data = { spec: { http: [{ route: [{ weight: 1 }] }] }, metadata: { labels: { '0': 'x', 'a/b': 'y' } } };
    assert.deepEqual(fieldPathFromPointer('/spec/http/0/route/0/weight', data), ['spec', 'http', 0, 'route', 0, 'weight']);
    assert.deepEqual(fieldPathFromPointer('/metadata/labels/0', data), ['metadata', 'labels', '0']);
    assert.deepEqual(fieldPathFromPointer('/metadata/labels/a~1b', data), ['metadata', 'labels', 'a/b']);
    assert.deepEqual(fieldPathFromPointer('', data), []);
    assert.equal(valueAt(data, ['spec', 'http', 0, 'route', 0, 'weight']), 1);
    assert.equal(valueAt(data, ['spec', 'tcp', 0]), undefined);
  });
});
