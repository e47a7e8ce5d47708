/*
 * sysctls (baseline, v1.0+)
 * Sysctls can disable security mechanisms or affect every container on a host; only a "safe"
 * subset (namespaced, isolated from other pods and processes on the node) is allowed.
 *
 * Restricted fields:
 *   spec.securityContext.sysctls[*].name
 * Allowed values:
 *   v1.0+:  kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.tcp_syncookies,
 *           net.ipv4.ping_group_range, net.ipv4.ip_unprivileged_port_start
 *   v1.27+: net.ipv4.ip_local_reserved_ports
 *   v1.29+: net.ipv4.tcp_keepalive_time, net.ipv4.tcp_fin_timeout, net.ipv4.tcp_keepalive_intvl,
 *           net.ipv4.tcp_keepalive_probes
 *   v1.32+: net.ipv4.tcp_rmem, net.ipv4.tcp_wmem
 *   v1.37+: net.ipv4.tcp_slow_start_after_idle, net.ipv4.tcp_notsent_lowat
 */
import { str } from './helpers.js';
import { ALLOWED, forbidden, type Check, type CheckPodFn, type CheckResult, type PodMetadata, type PodSpec } from './types.js';

const ALLOWED_1_0: ReadonlySet<string> = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
]);
const ALLOWED_1_27: ReadonlySet<string> = new Set([...ALLOWED_1_0, 'net.ipv4.ip_local_reserved_ports']);
const ALLOWED_1_29: ReadonlySet<string> = new Set([
  ...ALLOWED_1_27,
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);
const ALLOWED_1_32: ReadonlySet<string> = new Set([...ALLOWED_1_29, 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem']);
const ALLOWED_1_37: ReadonlySet<string> = new Set([...ALLOWED_1_32, 'net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat']);

function sysctlsAllowing(allowed: ReadonlySet<string>): CheckPodFn {
  return (_podMetadata: PodMetadata, podSpec: PodSpec): CheckResult => {
    const sysctls = podSpec.securityContext?.sysctls;
    if (!Array.isArray(sysctls)) return ALLOWED;
    let bad: string[] | undefined;
    for (const sysctl of sysctls) {
      const name = str(sysctl?.name);
      if (!allowed.has(name)) (bad ??= []).push(name);
    }
    return bad ? forbidden('forbidden sysctls', bad.join(', ')) : ALLOWED;
  };
}

export const checkSysctls: Check = {
  id: 'sysctls',
  level: 'baseline',
  versions: [
    { minimumVersion: 0, check: sysctlsAllowing(ALLOWED_1_0) },
    { minimumVersion: 27, check: sysctlsAllowing(ALLOWED_1_27) },
    { minimumVersion: 29, check: sysctlsAllowing(ALLOWED_1_29) },
    { minimumVersion: 32, check: sysctlsAllowing(ALLOWED_1_32) },
    { minimumVersion: 37, check: sysctlsAllowing(ALLOWED_1_37) },
  ],
};
