import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseOutputFlag, relaxedJsonPath } from './output-format.js';

test('-o values kubectl accepts', () => {
  assert.deepEqual(parseOutputFlag(undefined), { type: 'table' });
  assert.deepEqual(parseOutputFlag('wide'), { type: 'wide' });
  assert.deepEqual(parseOutputFlag('yaml'), { type: 'yaml' });
  assert.deepEqual(parseOutputFlag('name'), { type: 'name' });
  assert.deepEqual(parseOutputFlag('jsonpath={.status.loadBalancer.ingress[0].ip}'), { type: 'jsonpath', template: '{.status.loadBalancer.ingress[0].ip}', asJson: false });
  assert.deepEqual(parseOutputFlag('jsonpath-as-json={.items[*].metadata.name}'), { type: 'jsonpath', template: '{.items[*].metadata.name}', asJson: true });
  assert.deepEqual(parseOutputFlag('custom-columns=NAME:.metadata.name,IP:status.podIP'), {
    type: 'custom-columns',
    columns: [{ header: 'NAME', template: '{.metadata.name}' }, { header: 'IP', template: '{.status.podIP}' }],
  });
});

test('bad -o values get kubectl errors', () => {
  assert.deepEqual(parseOutputFlag('jsonpath='), { error: 'error: template format specified but no template given' });
  assert.deepEqual(parseOutputFlag('custom-columns=NAME'), { error: 'error: unexpected custom-columns spec: [NAME], expected <header>:<json-path-expr>' });
  assert.deepEqual(parseOutputFlag('xml'), {
    error: 'error: unable to match a printer suitable for the output format "xml", allowed formats are: custom-columns,json,jsonpath,jsonpath-as-json,name,wide,yaml',
  });
});

test('relaxed JSONPath for custom-columns', () => {
  assert.equal(relaxedJsonPath('metadata.name'), '{.metadata.name}');
  assert.equal(relaxedJsonPath('{.metadata.name}'), '{.metadata.name}');
  assert.equal(relaxedJsonPath('{metadata.name}'), '{.metadata.name}');
  assert.equal(relaxedJsonPath('{a}{b}'), undefined);
});
