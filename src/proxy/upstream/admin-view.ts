/** A cluster as the admin /clusters endpoint shows it, from its config and current hosts. */
import type { AdminClusterView, AdminThresholds } from '../admin/admin-source.js';
import type { Thresholds } from './circuit-breakers.js';
import type { ClusterConfig } from './cluster-config.js';
import type { PrioritySet } from './priority-set.js';
import type { OutlierDetector } from './outlier/outlier-detector.js';

function thresholds(t: Thresholds): AdminThresholds {
  return { maxConnections: t.maxConnections, maxPendingRequests: t.maxPendingRequests, maxRequests: t.maxRequests, maxRetries: t.maxRetries };
}

export function clusterAdminView(config: ClusterConfig, prioritySet: PrioritySet, addedViaApi: boolean, outlier: OutlierDetector | null = null): AdminClusterView {
  return {
    name: config.name,
    addedViaApi,
    ...thresholds(config.circuitBreakers.default),
    highPriority: thresholds(config.circuitBreakers.high),
    hosts: prioritySet.hosts.map((h) => h.adminView()),
    observabilityName: config.observabilityName,
    ...(config.type === 'EDS' ? { edsServiceName: config.edsServiceName } : {}),
    // Envoy prints the detector's figures only for clusters that have one.
    ...(outlier !== null
      ? {
          outlier: {
            successRateAverage: outlier.external.average,
            successRateEjectionThreshold: outlier.external.threshold,
            localOriginSuccessRateAverage: outlier.local.average,
            localOriginSuccessRateEjectionThreshold: outlier.local.threshold,
          },
        }
      : {}),
  };
}
