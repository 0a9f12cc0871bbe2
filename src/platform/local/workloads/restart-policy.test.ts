import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerState } from './kube-types.js';
import { RestartPolicy, type RestartPolicyName } from './restart-policy.js';

/** A policy on a fake clock; `restarts` counts the restart callbacks that fired. */
function fixture(restart: RestartPolicyName, backoffBaseMs = 10) {
  let now = Date.parse('2026-12-06T10:00:00Z');
  const states: { state: ContainerState; lastState: ContainerState; restartCount: number }[] = [];
  const logs: string[] = [];
  const p = new RestartPolicy({ name: 'app', restart, backoffBaseMs, now: () => new Date(now), log: (t) => logs.push(t), onState: (state, lastState, restartCount) => states.push({ state, lastState, restartCount }) });
  return { p, states, logs, advance: (ms: number) => (now += ms) };
}

test('Always: CrashLoopBackOff with a doubling delay, reset after 10 minutes of running', () => {
  // The restart timers are unref'd and their callbacks do nothing: the test needs no fake timers.
  const f = fixture('Always', 10_000);
  const delays: string[] = [];
  for (let i = 0; i < 7; i++) {
    f.p.running(f.p.starting());
    f.p.exited(1, null, undefined, () => {});
    delays.push(String(f.states.at(-1)?.state.waiting?.message));
  }
  assert.deepEqual(delays.map((m) => /back-off (\d+)s/.exec(m)?.[1]), ['10', '20', '40', '80', '160', '300', '300']);
  assert.equal(f.states.at(-1)?.restartCount, 7);
  assert.equal(f.states.at(-1)?.lastState.terminated?.reason, 'Error');
  f.p.running(f.p.starting());
  f.advance(600_001);
  f.p.exited(0, null, undefined, () => {});
  assert.match(String(f.states.at(-1)?.state.waiting?.message), /back-off 10s restarting failed container=app/);
  assert.equal(f.states.at(-1)?.lastState.terminated?.reason, 'Completed');
  assert.match(f.logs.at(-1) ?? '', /^tsmesh: container app exited with code 0; restarting in 10s\n$/);
});

test('OnFailure restarts only failures; Never never; signals are reported by number', () => {
  const onFailure = fixture('OnFailure');
  onFailure.p.running(onFailure.p.starting());
  onFailure.p.exited(0, null, undefined, () => assert.fail('no restart after success'));
  assert.deepEqual(onFailure.states.at(-1)?.state.terminated?.exitCode, 0);
  const never = fixture('Never');
  never.p.running(never.p.starting());
  never.p.exited(137, 'SIGKILL', 'killed', () => assert.fail('Never restarts nothing'));
  const term = never.states.at(-1)?.state.terminated;
  assert.equal(term?.signal, 9);
  assert.equal(term?.message, 'killed');
  assert.equal(term?.reason, 'Error');
});

test('after stop, an exit is not reported and no restart is scheduled', async () => {
  const f = fixture('Always', 1);
  f.p.running(f.p.starting());
  f.p.stop();
  let restarted = false;
  f.p.exited(1, null, undefined, () => (restarted = true));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(restarted, false);
  assert.equal(f.states.length, 1);
});
