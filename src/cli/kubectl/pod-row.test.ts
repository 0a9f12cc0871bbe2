import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pod, sidecarPod, NOW } from './fixtures.js';
import { podRow } from './pod-row.js';

const ago = (s: number): string => new Date(NOW.getTime() - s * 1000).toISOString();
const one = { containers: [{ name: 'app', image: 'app:1' }] };
const withInit = { initContainers: [{ name: 'istio-init', image: 'proxyv2' }], containers: [{ name: 'app', image: 'app:1' }] };

describe('podRow: READY, STATUS, RESTARTS as kubectl printPod', () => {
  const cases: { name: string; pod: ReturnType<typeof pod>; want: [string, string, string] }[] = [
    { name: 'sidecar-injected pod, all running', pod: sidecarPod('customers-v1-7b5b4b76fc-vtx4t'), want: ['2/2', 'Running', '0'] },
    { name: 'no status yet', pod: pod('p', { spec: one, status: { phase: 'Pending' } }), want: ['0/1', 'Pending', '0'] },
    {
      name: 'image being pulled',
      pod: pod('p', { spec: one, status: { phase: 'Pending', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] } }),
      want: ['0/1', 'ContainerCreating', '0'],
    },
    {
      name: 'crash looping, last restart 10s ago',
      pod: pod('p', {
        spec: one,
        status: {
          phase: 'Running',
          containerStatuses: [
            { name: 'app', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(10) } } },
          ],
        },
      }),
      want: ['0/1', 'CrashLoopBackOff', '3 (10s ago)'],
    },
    {
      name: 'restarted but no finish time known',
      pod: pod('p', { spec: one, status: { phase: 'Running', containerStatuses: [{ name: 'app', ready: true, restartCount: 2, state: { running: {} } }] } }),
      want: ['1/1', 'Running', '2'],
    },
    {
      name: 'job done',
      pod: pod('p', { spec: one, status: { phase: 'Succeeded', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] } }),
      want: ['0/1', 'Completed', '0'],
    },
    {
      name: 'failed',
      pod: pod('p', { spec: one, status: { phase: 'Failed', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, reason: 'Error' } } }] } }),
      want: ['0/1', 'Error', '0'],
    },
    {
      name: 'killed by a signal, no reason',
      pod: pod('p', { spec: one, status: { phase: 'Failed', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 137, signal: 9 } } }] } }),
      want: ['0/1', 'Signal:9', '0'],
    },
    {
      name: 'one container completed, the other running but pod not Ready',
      pod: pod('p', {
        spec: { containers: [{ name: 'app' }, { name: 'istio-proxy' }] },
        status: {
          phase: 'Running',
          conditions: [{ type: 'Ready', status: 'False' }],
          containerStatuses: [
            { name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
            { name: 'istio-proxy', ready: true, restartCount: 0, state: { running: {} } },
          ],
        },
      }),
      want: ['1/2', 'NotReady', '0'],
    },
    {
      name: 'init container running',
      pod: pod('p', { spec: withInit, status: { phase: 'Pending', initContainerStatuses: [{ name: 'istio-init', ready: false, restartCount: 0, state: { running: {} } }] } }),
      want: ['0/1', 'Init:0/1', '0'],
    },
    {
      name: 'init container cannot pull',
      pod: pod('p', { spec: withInit, status: { phase: 'Pending', initContainerStatuses: [{ name: 'istio-init', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff' } } }] } }),
      want: ['0/1', 'Init:ImagePullBackOff', '0'],
    },
    {
      name: 'init container failed without a reason',
      pod: pod('p', { spec: withInit, status: { phase: 'Pending', initContainerStatuses: [{ name: 'istio-init', ready: false, restartCount: 1, state: { terminated: { exitCode: 2 } } }] } }),
      want: ['0/1', 'Init:ExitCode:2', '1'],
    },
    {
      name: 'native sidecar (restartable init container) counts in READY',
      pod: pod('p', {
        spec: { initContainers: [{ name: 'istio-proxy', restartPolicy: 'Always' }], containers: [{ name: 'app' }] },
        status: {
          phase: 'Running',
          conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True' }],
          initContainerStatuses: [{ name: 'istio-proxy', ready: true, started: true, restartCount: 0, state: { running: {} } }],
          containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: { running: {} } }],
        },
      }),
      want: ['2/2', 'Running', '0'],
    },
    {
      name: 'being deleted',
      pod: pod('p', { spec: one, deletionTimestamp: ago(1), status: { phase: 'Running', containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: { running: {} } }] } }),
      want: ['1/1', 'Terminating', '0'],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const row = podRow(c.pod, NOW);
      assert.deepEqual([row.ready, row.status, row.restarts], c.want);
      assert.equal(row.age, '5m');
    });
  }
});

test('-o wide cells: IP, NODE, NOMINATED NODE, READINESS GATES', () => {
  assert.deepEqual(podRow(sidecarPod('p'), NOW).wide, ['10.244.0.12', 'local', '<none>', '<none>']);
  const gated = pod('p', {
    spec: { containers: [{ name: 'app' }], readinessGates: [{ conditionType: 'example.com/ready' }] },
    status: { phase: 'Running', conditions: [{ type: 'example.com/ready', status: 'True' }] },
  });
  assert.deepEqual(podRow(gated, NOW).wide, ['<none>', '<none>', '<none>', '1/1']);
});
