/*
 * hostProbesAndHostLifecycle (baseline, v1.34+)
 * The host field of probes and lifecycle handlers is restricted.
 *
 * Restricted fields (for containers, initContainers and ephemeralContainers):
 *   spec.containers[*].livenessProbe.httpGet.host, .tcpSocket.host
 *   spec.containers[*].readinessProbe.httpGet.host, .tcpSocket.host
 *   spec.containers[*].startupProbe.httpGet.host, .tcpSocket.host
 *   spec.containers[*].lifecycle.postStart.httpGet.host, .tcpSocket.host (tcpSocket: deprecated)
 *   spec.containers[*].lifecycle.preStop.httpGet.host, .tcpSocket.host (tcpSocket: deprecated)
 * Allowed values: "", undefined/null
 */
import { containerList, joinQuote, nameOf, pluralize, sortedSet, str, visitContainers } from './helpers.js';
import { ALLOWED, forbidden, type Check, type CheckResult, type Handler, type PodMetadata, type PodSpec } from './types.js';

/** The hosts a probe or handler sets, appended to `into` (allocated only when there is one). */
function hostsOf(handler: Handler | null | undefined, into: string[] | undefined): string[] | undefined {
  if (!handler) return into;
  const httpHost = str(handler.httpGet?.host);
  if (httpHost !== '') (into ??= []).push(httpHost);
  const tcpHost = str(handler.tcpSocket?.host);
  if (tcpHost !== '') (into ??= []).push(tcpHost);
  return into;
}

function hostProbesAndHostLifecycle_1_34(_podMetadata: PodMetadata, podSpec: PodSpec): CheckResult {
  let bad: string[] | undefined;
  let hosts: string[] | undefined;
  visitContainers(podSpec, (c) => {
    let found = hostsOf(c.livenessProbe, undefined);
    found = hostsOf(c.readinessProbe, found);
    found = hostsOf(c.startupProbe, found);
    if (c.lifecycle) {
      found = hostsOf(c.lifecycle.postStart, found);
      found = hostsOf(c.lifecycle.preStop, found);
    }
    if (found) {
      (bad ??= []).push(nameOf(c));
      (hosts ??= []).push(...found);
    }
  });
  if (!bad) return ALLOWED;
  const containers = sortedSet(bad);
  const distinct = sortedSet(hosts ?? []);
  return forbidden(
    'probe or lifecycle host',
    `${containerList(containers)} ${pluralize('uses', 'use', containers.length)} ` +
      `${pluralize('probe or lifecycle host', 'probe or lifecycle hosts', distinct.length)} ${joinQuote(distinct)}`,
  );
}

export const checkHostProbesAndHostLifecycle: Check = {
  id: 'hostProbesAndHostLifecycle',
  level: 'baseline',
  versions: [{ minimumVersion: 34, check: hostProbesAndHostLifecycle_1_34 }],
};
