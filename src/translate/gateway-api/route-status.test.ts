import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setConditions, type Condition } from './conditions.js';
import { createRouteStatus } from './route-status.js';
import type { ParentRef } from './route-parents.js';

const CONTROLLER = 'istio.io/gateway-controller';

test('setConditions: success form, errors invert, unchanged conditions keep their time', async (t) => {
  await t.test('new conditions in type order, stamped with now', () => {
    const got = setConditions(3, [], { ResolvedRefs: { reason: 'ResolvedRefs', message: 'ok' }, Accepted: { reason: 'Accepted', message: 'fine', error: { reason: 'NoMatchingParent', message: 'port 81 not found' } } }, 'T1');
    assert.deepEqual(got, [
      { type: 'Accepted', status: 'False', observedGeneration: 3, lastTransitionTime: 'T1', reason: 'NoMatchingParent', message: 'port 81 not found' },
      { type: 'ResolvedRefs', status: 'True', observedGeneration: 3, lastTransitionTime: 'T1', reason: 'ResolvedRefs', message: 'ok' },
    ]);
  });
  await t.test('negative polarity: Conflicted False on success, True on error', () => {
    const ok = setConditions(undefined, [], { Conflicted: { reason: 'NoConflicts', message: 'none', status: 'False' } }, undefined);
    assert.deepEqual(ok, [{ type: 'Conflicted', status: 'False', reason: 'NoConflicts', message: 'none' }]);
  });
  await t.test('same status and message: untouched; same status, new message: time kept; new status: new time', () => {
    const old: Condition[] = [
      { type: 'A', status: 'True', observedGeneration: 1, lastTransitionTime: 'T0', reason: 'R', message: 'm' },
      { type: 'B', status: 'True', observedGeneration: 1, lastTransitionTime: 'T0', reason: 'R', message: 'm' },
      { type: 'C', status: 'True', observedGeneration: 1, lastTransitionTime: 'T0', reason: 'R', message: 'm' },
    ];
    const got = setConditions(1, old, { A: { reason: 'R', message: 'm' }, B: { reason: 'R2', message: 'm2' }, C: { reason: 'R', message: 'm', error: { reason: 'E', message: 'e' } } }, 'T1');
    assert.deepEqual(got.map((c) => [c.type, c.status, c.lastTransitionTime, c.reason]), [
      ['A', 'True', 'T0', 'R'],
      ['B', 'True', 'T0', 'R2'],
      ['C', 'False', 'T1', 'E'],
    ]);
  });
});

test('createRouteStatus', async (t) => {
  const ref: ParentRef = { name: 'gw', namespace: 'infra' };
  await t.test('one bound listener makes the parentRef Accepted', () => {
    const got = createRouteStatus(
      [
        { originalReference: ref, deniedReason: { reason: 'NoMatchingListenerHostname', message: 'no hostnames matched parent hostname "a.com"' } },
        { originalReference: ref },
      ],
      'infra',
      2,
      undefined,
      CONTROLLER,
      undefined,
    );
    assert.deepEqual(got.parents, [
      {
        parentRef: ref,
        controllerName: CONTROLLER,
        conditions: [
          { type: 'Accepted', status: 'True', observedGeneration: 2, reason: 'Accepted', message: 'Route was valid' },
          { type: 'ResolvedRefs', status: 'True', observedGeneration: 2, reason: 'ResolvedRefs', message: 'All references resolved' },
        ],
      },
    ]);
  });
  await t.test('refusals of equal rank are joined; the more specific reason wins', () => {
    const got = createRouteStatus(
      [
        { originalReference: ref, deniedReason: { reason: 'NoMatchingParent', message: 'port 81 not found' } },
        { originalReference: ref, deniedReason: { reason: 'NoMatchingListenerHostname', message: 'no hostnames matched parent hostname "a.com"' } },
        { originalReference: ref, deniedReason: { reason: 'NoMatchingListenerHostname', message: 'no hostnames matched parent hostname "b.com"' } },
      ],
      'infra',
      undefined,
      undefined,
      CONTROLLER,
      undefined,
    );
    assert.deepEqual(got.parents[0]!.conditions[0], {
      type: 'Accepted',
      status: 'False',
      reason: 'NoMatchingListenerHostname',
      message: 'no hostnames matched parent hostname "a.com"; no hostnames matched parent hostname "b.com"',
    });
  });
  await t.test('several bound listeners, and a route error on ResolvedRefs', () => {
    const got = createRouteStatus(
      [{ originalReference: ref, routeError: { reason: 'BackendNotFound', message: 'backend(x) not found' } }, { originalReference: ref, routeError: { reason: 'BackendNotFound', message: 'backend(x) not found' } }],
      'infra',
      undefined,
      undefined,
      CONTROLLER,
      undefined,
    );
    assert.deepEqual(got.parents[0]!.conditions.map((c) => [c.type, c.status, c.reason, c.message]), [
      ['Accepted', 'True', 'Accepted', 'Route was valid, bound to 2 parents'],
      ['ResolvedRefs', 'False', 'BackendNotFound', 'backend(x) not found'],
    ]);
  });
  await t.test("other controllers' entries stay, our stale entries go, new ones are appended", () => {
    const current = {
      parents: [
        { parentRef: { name: 'theirs' }, controllerName: 'example.com/other', conditions: [] },
        { parentRef: { name: 'stale' }, controllerName: CONTROLLER, conditions: [] },
      ],
    };
    const got = createRouteStatus([{ originalReference: ref }], 'infra', undefined, current, CONTROLLER, undefined);
    assert.deepEqual(got.parents.map((p) => [p.parentRef.name, p.controllerName]), [
      ['theirs', 'example.com/other'],
      ['gw', CONTROLLER],
    ]);
  });
});
