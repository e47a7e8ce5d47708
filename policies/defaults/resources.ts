/**
 * Default resource requests and limits, the way a LimitRange would set them:
 *   1. a container with a limit but no request for a resource gets request = limit (what
 *      Kubernetes' own defaulting does for every resource in limits);
 *   2. a container with no request for a configured resource gets the default request (a request
 *      exists whenever the user set a limit, by 1, so a default request never exceeds a user limit);
 *   3. a container with no limit for a configured resource gets the default limit, raised to the
 *      container's request when the user asked for more than the default limit (a limit below the
 *      request would be rejected by API validation).
 * Nothing the user set is changed. Pods that set pod-level resources (spec.resources) are left
 * alone: container defaults could then contradict the pod-level budget.
 */
import type { V1PodSpec, V1ResourceRequirements } from '@kubernetes/client-node';
import type { ResolvedDefaultsConfig } from './config.js';
import { mutableContainers } from './containers.js';
import { isObject } from './pod-template.js';
import { compareQuantities, quantityText } from './quantity.js';

export function defaultResources(spec: V1PodSpec, config: ResolvedDefaultsConfig['resources']): boolean {
  if (isObject(spec.resources) && (hasEntries(spec.resources.requests) || hasEntries(spec.resources.limits))) return false;
  let changed = false;
  for (const container of mutableContainers(spec)) {
    const existing = container.resources;
    if (existing !== undefined && existing !== null && !isObject(existing)) continue; // invalid: leave it to validation
    const resources: V1ResourceRequirements = existing ?? {};
    const limits = isObject(resources.limits) ? resources.limits : undefined;
    if (resources.limits !== undefined && resources.limits !== null && !limits) continue;
    if (resources.requests !== undefined && resources.requests !== null && !isObject(resources.requests)) continue;
    const requests: Record<string, string> = resources.requests ?? {};
    const newLimits: Record<string, string> = limits ?? {};
    let touched = false;

    for (const [name, limit] of Object.entries(limits ?? {})) {
      if (requests[name] === undefined || requests[name] === null) {
        requests[name] = limit;
        touched = true;
      }
    }
    for (const [name, amount] of Object.entries(config.requests)) {
      if (requests[name] === undefined || requests[name] === null) {
        requests[name] = amount;
        touched = true;
      }
    }
    for (const [name, amount] of Object.entries(config.limits)) {
      if (newLimits[name] !== undefined && newLimits[name] !== null) continue;
      const request: unknown = requests[name];
      const requestText = quantityText(request);
      if (request !== undefined && requestText === undefined) continue; // cannot compare: let validation speak
      newLimits[name] = requestText !== undefined && compareQuantities(requestText, amount) > 0 ? requests[name]! : amount;
      touched = true;
    }
    if (!touched) continue;
    if (Object.keys(requests).length > 0) resources.requests = requests;
    if (Object.keys(newLimits).length > 0) resources.limits = newLimits;
    container.resources = resources;
    changed = true;
  }
  return changed;
}

function hasEntries(map: unknown): boolean {
  return isObject(map) && Object.keys(map).length > 0;
}
