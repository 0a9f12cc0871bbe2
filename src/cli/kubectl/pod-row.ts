import type { Resource } from '../../api/resource/resource.js';
import { translateTimestampSince } from './duration.js';
import { arr, num, obj, str, type Obj } from './fields.js';

/**
 * One row of `kubectl get pods`, as kubectl 1.35's printPod computes it: READY counts ready
 * running containers (plus started restartable init containers, i.e. native sidecars) over
 * containers; STATUS is the phase refined by the init containers' and containers' states
 * (`Init:0/1`, `ContainerCreating`, `CrashLoopBackOff`, `Completed`, `Error`, `NotReady`,
 * `Terminating`); RESTARTS sums restart counts and adds `(5m ago)` from the newest
 * lastState.terminated.finishedAt.
 */
export interface PodRow {
  readonly ready: string;
  readonly status: string;
  readonly restarts: string;
  readonly age: string;
  /** -o wide: IP, NODE, NOMINATED NODE, READINESS GATES. */
  readonly wide: readonly [string, string, string, string];
}

export function podRow(pod: Resource, now: Date): PodRow {
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  const conditions = arr(status['conditions']).map(obj);
  const containers = arr(spec['containers']);
  let totalContainers = containers.length;
  let readyContainers = 0;
  let restarts = 0;
  let restartableInitRestarts = 0;
  let lastRestart = 0;
  let lastRestartableInitRestart = 0;

  const podPhase = str(status['phase']) || 'Pending';
  let reason = str(status['reason']) || podPhase;
  for (const c of conditions) {
    if (str(c['type']) === 'PodScheduled' && str(c['reason']) === 'SchedulingGated') reason = 'SchedulingGated';
  }

  const initSpecs = new Map<string, Obj>();
  const initContainers = arr(spec['initContainers']).map(obj);
  for (const c of initContainers) {
    initSpecs.set(str(c['name']), c);
    if (restartable(c)) totalContainers++;
  }

  let initializing = false;
  const initStatuses = arr(status['initContainerStatuses']).map(obj);
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i]!;
    const count = num(cs['restartCount']);
    restarts += count;
    const finished = finishedAt(cs);
    if (finished > lastRestart) lastRestart = finished;
    const isRestartable = restartable(initSpecs.get(str(cs['name'])));
    if (isRestartable) {
      restartableInitRestarts += count;
      if (finished > lastRestartableInitRestart) lastRestartableInitRestart = finished;
    }
    const state = obj(cs['state']);
    const terminated = state['terminated'] === undefined ? undefined : obj(state['terminated']);
    const waiting = state['waiting'] === undefined ? undefined : obj(state['waiting']);
    if (terminated !== undefined && num(terminated['exitCode']) === 0) continue;
    if (isRestartable && cs['started'] === true) {
      if (cs['ready'] === true) readyContainers++;
      continue;
    }
    if (terminated !== undefined) {
      const r = str(terminated['reason']);
      if (r !== '') reason = `Init:${r}`;
      else if (num(terminated['signal']) !== 0) reason = `Init:Signal:${num(terminated['signal'])}`;
      else reason = `Init:ExitCode:${num(terminated['exitCode'])}`;
    } else if (waiting !== undefined && str(waiting['reason']) !== '' && str(waiting['reason']) !== 'PodInitializing') {
      reason = `Init:${str(waiting['reason'])}`;
    } else {
      reason = `Init:${i}/${initContainers.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || hasTrueCondition(conditions, 'Initialized')) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    let errorReason = '';
    const statuses = arr(status['containerStatuses']).map(obj);
    // kubectl walks the statuses from last to first, so the first container's state wins.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i]!;
      restarts += num(cs['restartCount']);
      const finished = finishedAt(cs);
      if (finished > lastRestart) lastRestart = finished;
      const state = obj(cs['state']);
      const waiting = state['waiting'] === undefined ? undefined : obj(state['waiting']);
      const terminated = state['terminated'] === undefined ? undefined : obj(state['terminated']);
      if (waiting !== undefined && str(waiting['reason']) !== '') {
        reason = str(waiting['reason']);
      } else if (terminated !== undefined) {
        const r = str(terminated['reason']);
        if (r !== '') reason = r;
        else if (num(terminated['signal']) !== 0) reason = `Signal:${num(terminated['signal'])}`;
        else reason = `ExitCode:${num(terminated['exitCode'])}`;
        if (num(terminated['exitCode']) !== 0) errorReason = reason;
      } else if (cs['ready'] === true && state['running'] !== undefined) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === 'Completed') {
      if (hasRunning && hasTrueCondition(conditions, 'Ready')) reason = 'Running';
      else if (errorReason !== '') reason = errorReason;
      else if (hasRunning) reason = 'NotReady';
    }
  }

  const deleting = pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
  if (deleting && str(status['reason']) === 'NodeLost') reason = 'Unknown';
  else if (deleting && podPhase !== 'Succeeded' && podPhase !== 'Failed') reason = 'Terminating';

  let restartsText = String(restarts);
  if (restarts !== 0 && lastRestart > 0) {
    restartsText = `${restarts} (${translateTimestampSince(new Date(lastRestart).toISOString(), now)} ago)`;
  }

  return {
    ready: `${readyContainers}/${totalContainers}`,
    status: reason,
    restarts: restartsText,
    age: translateTimestampSince(pod.metadata.creationTimestamp, now),
    wide: wideCells(spec, status, conditions),
  };
}

function wideCells(spec: Obj, status: Obj, conditions: Obj[]): [string, string, string, string] {
  const podIP = str(obj(arr(status['podIPs'])[0])['ip']) || str(status['podIP']) || '<none>';
  const node = str(spec['nodeName']) || '<none>';
  const nominated = str(status['nominatedNodeName']) || '<none>';
  const gates = arr(spec['readinessGates']).map(obj);
  let readinessGates = '<none>';
  if (gates.length > 0) {
    let trueConditions = 0;
    for (const g of gates) {
      const c = conditions.find((x) => str(x['type']) === str(g['conditionType']));
      if (c !== undefined && str(c['status']) === 'True') trueConditions++;
    }
    readinessGates = `${trueConditions}/${gates.length}`;
  }
  return [podIP, node, nominated, readinessGates];
}

/** A native sidecar: an init container with `restartPolicy: Always`. */
function restartable(c: Obj | undefined): boolean {
  return c !== undefined && c['restartPolicy'] === 'Always';
}

function hasTrueCondition(conditions: Obj[], type: string): boolean {
  const c = conditions.find((x) => str(x['type']) === type);
  return c !== undefined && str(c['status']) === 'True';
}

function finishedAt(cs: Obj): number {
  const t = Date.parse(str(obj(obj(cs['lastState'])['terminated'])['finishedAt']));
  return Number.isNaN(t) ? 0 : t;
}
