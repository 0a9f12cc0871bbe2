/**
 * GatewayClasses this control plane handles (gatewayclass_collection.go): those naming its
 * controller, plus Istio's built-in classes, which work even when no GatewayClass object exists
 * (istiod creates them; a local install may not have).
 */
import type { Resource } from '../../api/resource/resource.js';
import { isPlainObject } from '../../api/resource/resource.js';
import { setConditions, readConditions, type Condition } from './conditions.js';
import { DEFAULT_CLASS_NAME, REMOTE_CLASS_NAME, UNMANAGED_CONTROLLER_NAME } from './istio-names.js';

export interface GatewayClassInfo {
  readonly name: string;
  readonly controller: string;
  /** `istio-remote`: accepted with a status, but no configuration is generated. */
  readonly unmanaged: boolean;
}

export interface GatewayClasses {
  /** The class named by a Gateway's gatewayClassName, when it is ours. */
  lookup(name: string): GatewayClassInfo | undefined;
  /** Status of each GatewayClass object we handle, keyed by name. */
  readonly statuses: ReadonlyMap<string, { conditions: Condition[] }>;
}

export function resolveGatewayClasses(
  classes: readonly Resource[],
  controllerName: string,
  now: string | undefined,
): GatewayClasses {
  const known = new Map<string, string>([
    [DEFAULT_CLASS_NAME, controllerName],
    [REMOTE_CLASS_NAME, UNMANAGED_CONTROLLER_NAME],
  ]);
  const ours = (controller: string): boolean => controller === controllerName || controller === UNMANAGED_CONTROLLER_NAME;
  const byName = new Map<string, GatewayClassInfo>();
  const statuses = new Map<string, { conditions: Condition[] }>();
  for (const c of classes) {
    const name = c.metadata.name;
    const controller = isPlainObject(c.spec) && typeof c.spec.controllerName === 'string' ? c.spec.controllerName : '';
    if (name === undefined) continue;
    // An object replaces the built-in class of the same name, even when it is for another controller.
    known.delete(name);
    if (!ours(controller)) continue;
    byName.set(name, { name, controller, unmanaged: controller === UNMANAGED_CONTROLLER_NAME });
    const existing = readConditions(isPlainObject(c.status) ? c.status.conditions : undefined);
    statuses.set(name, {
      conditions: setConditions(c.metadata.generation, existing, { Accepted: { reason: 'Accepted', message: 'Handled by Istio controller' } }, now),
    });
  }
  for (const [name, controller] of known) byName.set(name, { name, controller, unmanaged: controller === UNMANAGED_CONTROLLER_NAME });
  return { lookup: (name) => byName.get(name), statuses };
}
