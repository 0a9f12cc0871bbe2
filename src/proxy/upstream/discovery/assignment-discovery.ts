/**
 * STATIC and EDS clusters: hosts come from load assignments, no resolution. A STATIC cluster is
 * warm as soon as it starts; an EDS cluster when its first ClusterLoadAssignment arrives.
 */
import type { ClusterConfig } from '../cluster-config.js';
import type { PrioritySet } from '../priority-set.js';
import type { LoadAssignment } from '../load-assignment.js';
import { HostDiscovery } from './host-discovery.js';

export class StaticDiscovery extends HostDiscovery {
  readonly #assignment: LoadAssignment;

  constructor(config: ClusterConfig, prioritySet?: PrioritySet) {
    super(prioritySet);
    this.#assignment = config.loadAssignment;
  }

  start(): void {
    this.publish(this.prioritySet.updateAssignment(this.#assignment));
    this.markInitialized();
  }

  stop(): void {}
}

export class EdsDiscovery extends HostDiscovery {
  /** The name to subscribe to: eds_cluster_config.service_name or the cluster name. */
  readonly serviceName: string;

  constructor(config: ClusterConfig, prioritySet?: PrioritySet) {
    super(prioritySet);
    this.serviceName = config.edsServiceName;
  }

  /** The xDS client subscribes to `serviceName` and calls update() with each assignment. */
  start(): void {}

  stop(): void {}

  /** Applies an EDS response (parsed with parseLoadAssignment, requireIp: true). */
  update(assignment: LoadAssignment): void {
    this.publish(this.prioritySet.updateAssignment(assignment));
    this.markInitialized();
  }
}
