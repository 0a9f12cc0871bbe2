import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Messages } from '../api/problems/messages.js';
import { problem } from '../api/problems/problem.js';
import { ConfigMessages } from './config-messages.js';
import {
  findStatusCondition,
  istioStatusWithMessages,
  isStatusConditionTrue,
  mergeConditions,
  problemsFor,
  removeStatusCondition,
  setStatusCondition,
  validationMessages,
  type Condition,
  type ConditionUpdate,
} from './status.js';

const T0 = '2024-05-01T12:00:00Z';
const NOW = Date.UTC(2024, 4, 2, 8, 30, 15, 250);
const NOW_TEXT = '2024-05-02T08:30:15Z';

const accepted: Condition = { type: 'Accepted', status: 'True', observedGeneration: 1, lastTransitionTime: T0, reason: 'Accepted', message: 'Route was valid' };
const resolved: Condition = { type: 'ResolvedRefs', status: 'True', observedGeneration: 1, lastTransitionTime: T0, reason: 'ResolvedRefs', message: '' };

describe('setStatusCondition behaves as meta.SetStatusCondition', () => {
  const cases: { name: string; start: Condition[] | undefined; update: ConditionUpdate; want: Condition[]; changed: boolean }[] = [
    {
      name: 'a new type is appended with lastTransitionTime = now',
      start: undefined,
      update: { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'Route was valid', observedGeneration: 1 },
      want: [{ ...accepted, lastTransitionTime: NOW_TEXT }],
      changed: true,
    },
    {
      name: 'a new type keeps a lastTransitionTime it was given',
      start: [],
      update: { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'Route was valid', observedGeneration: 1, lastTransitionTime: T0 },
      want: [accepted],
      changed: true,
    },
    {
      name: 'same status, new reason and message: updated in place, lastTransitionTime kept',
      start: [accepted, resolved],
      update: { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'still valid', observedGeneration: 2 },
      want: [{ ...accepted, message: 'still valid', observedGeneration: 2 }, resolved],
      changed: true,
    },
    {
      name: 'status changes: lastTransitionTime moves to now',
      start: [accepted, resolved],
      update: { type: 'ResolvedRefs', status: 'False', reason: 'BackendNotFound', message: 'backend not found', observedGeneration: 1 },
      want: [accepted, { ...resolved, status: 'False', reason: 'BackendNotFound', message: 'backend not found', lastTransitionTime: NOW_TEXT }],
      changed: true,
    },
    {
      name: 'status changes with an explicit time: that time is used',
      start: [accepted],
      update: { type: 'Accepted', status: 'False', reason: 'NoMatchingParent', message: 'x', observedGeneration: 1, lastTransitionTime: '2030-01-01T00:00:00Z' },
      want: [{ ...accepted, status: 'False', reason: 'NoMatchingParent', message: 'x', lastTransitionTime: '2030-01-01T00:00:00Z' }],
      changed: true,
    },
    {
      name: 'identical: unchanged, even when a different lastTransitionTime is offered',
      start: [accepted],
      update: { ...accepted, lastTransitionTime: '2030-01-01T00:00:00Z' },
      want: [accepted],
      changed: false,
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const before = JSON.stringify(c.start);
      const got = setStatusCondition(c.start, c.update, NOW);
      assert.deepEqual(got, { conditions: c.want, changed: c.changed });
      assert.equal(JSON.stringify(c.start), before, 'the input is not modified');
    });
  }

  test('serialises in metav1.Condition field order', () => {
    const { conditions } = setStatusCondition([], { type: 'Programmed', status: 'Unknown', reason: 'Pending', message: 'm', observedGeneration: 3 }, NOW);
    assert.deepEqual(Object.keys(conditions[0] ?? {}), ['type', 'status', 'observedGeneration', 'lastTransitionTime', 'reason', 'message']);
  });

  test('merge, find, remove, isTrue', () => {
    const merged = mergeConditions([accepted], [
      { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'Route was valid', observedGeneration: 1 },
      { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: '', observedGeneration: 1 },
    ], NOW);
    assert.equal(merged.changed, true);
    assert.deepEqual(merged.conditions.map((c) => [c.type, c.lastTransitionTime]), [['Accepted', T0], ['ResolvedRefs', NOW_TEXT]]);
    assert.equal(mergeConditions(merged.conditions, [{ ...accepted }], NOW).changed, false);
    assert.equal(findStatusCondition(merged.conditions, 'ResolvedRefs')?.reason, 'ResolvedRefs');
    assert.equal(isStatusConditionTrue(merged.conditions, 'Accepted'), true);
    assert.equal(isStatusConditionTrue(merged.conditions, 'Programmed'), false);
    assert.deepEqual(removeStatusCondition(merged.conditions, 'Accepted'), { conditions: [merged.conditions[1]], changed: true });
    assert.equal(removeStatusCondition(merged.conditions, 'Nope').changed, false);
  });
});

describe('Istio validationMessages', () => {
  const vsRef = { kind: 'VirtualService', namespace: 'default', name: 'reviews' };
  const notFound = problem(Messages.ReferencedResourceNotFound, ['host', 'productpage'], { resource: vsRef });
  const warning = problem(Messages.VirtualServiceUnreachableRule, ['http[1]', 'same match'], { resource: vsRef });
  const ours = problem(ConfigMessages.LastGoodConfigKept, ['VirtualService default/reviews'], { resource: vsRef });

  test('the AnalysisMessageBase shape, as Istio\'s analysis controller writes it', () => {
    assert.deepEqual(validationMessages([notFound, warning, ours]), [
      { type: { name: 'ReferencedResourceNotFound', code: 'IST0101' }, level: 'ERROR', documentationUrl: 'https://istio.io/latest/docs/reference/config/analysis/ist0101/' },
      { type: { name: 'VirtualServiceUnreachableRule', code: 'IST0130' }, level: 'WARNING', documentationUrl: 'https://istio.io/latest/docs/reference/config/analysis/ist0130/' },
      { type: { name: 'LastGoodConfigKept', code: 'TSM0104' }, level: 'WARNING' },
    ]);
    assert.equal(validationMessages([notFound], 'https://istio.io/v1.24/docs/reference/config/analysis')[0]?.documentationUrl, 'https://istio.io/v1.24/docs/reference/config/analysis/ist0101/');
  });

  test('status: messages replaced wholesale, other fields kept, observedGeneration as proto JSON int64', () => {
    const current = { conditions: [{ type: 'Reconciled', status: 'True' }], validationMessages: [{ type: { code: 'IST0999' }, level: 'INFO' }], observedGeneration: '1' };
    assert.deepEqual(istioStatusWithMessages(current, [notFound], 4), {
      conditions: [{ type: 'Reconciled', status: 'True' }],
      validationMessages: [{ type: { name: 'ReferencedResourceNotFound', code: 'IST0101' }, level: 'ERROR', documentationUrl: 'https://istio.io/latest/docs/reference/config/analysis/ist0101/' }],
      observedGeneration: '4',
    });
    assert.deepEqual(istioStatusWithMessages(current, [], 5), { conditions: [{ type: 'Reconciled', status: 'True' }], observedGeneration: '5' });
    assert.deepEqual(istioStatusWithMessages(undefined, [], undefined), {});
  });

  test('problemsFor picks one resource\'s problems', () => {
    const other = problem(Messages.ReferencedResourceNotFound, ['host', 'x'], { resource: { ...vsRef, name: 'ratings' } });
    const ns = problem(Messages.NamespaceNotInjected, ['default', 'default'], { resource: { kind: 'Namespace', name: 'default' } });
    assert.deepEqual(problemsFor([notFound, other, ns], vsRef), [notFound]);
    assert.deepEqual(problemsFor([notFound, other, ns], { kind: 'Namespace', name: 'default' }), [ns]);
  });
});
