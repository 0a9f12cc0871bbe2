import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellText, formatTable } from './table-writer.js';

test('columns are as wide as their widest cell plus 3; the last column is not padded', () => {
  assert.equal(
    formatTable([
      ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
      ['customers-v1-7b5b4b76fc-vtx4t', '2/2', 'Running', '0', '5m'],
    ]),
    'NAME                            READY   STATUS    RESTARTS   AGE\n' +
      'customers-v1-7b5b4b76fc-vtx4t   2/2     Running   0          5m\n',
  );
});

test('a column is never narrower than 6 (tabwriter minwidth), empty cells are padded too', () => {
  assert.equal(formatTable([['A', 'B', 'C'], ['x', '', 'z']]), 'A     B     C\nx           z\n');
});

test('widths count runes, not UTF-16 units or bytes', () => {
  assert.equal(formatTable([['NAME', 'X'], ['héllo', 'y']]), 'NAME    X\nhéllo   y\n');
});

test('cell text stops at the first line break', () => {
  assert.equal(cellText('one\ntwo'), 'one...');
  assert.equal(cellText('plain'), 'plain');
});
