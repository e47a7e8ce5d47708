/**
 * The vocabulary every check shares. Pods arrive as JSON from the AdmissionReview, so these types
 * name only the fields the checks read and keep everything optional: a field the apiserver left
 * out reads as Go's nil / zero value, which is what the upstream checks compare against.
 */
import type { Level } from '../api.js';

export interface PodMetadata {
  name?: string;
  annotations?: Record<string, string> | null;
  [key: string]: unknown;
}

export interface SELinuxOptions { user?: string; role?: string; type?: string; level?: string }
export interface ProfileRef { type?: string; localhostProfile?: string }
export interface WindowsOptions { hostProcess?: boolean | null }

export interface SecurityContext {
  privileged?: boolean | null;
  allowPrivilegeEscalation?: boolean | null;
  runAsNonRoot?: boolean | null;
  runAsUser?: number | null;
  procMount?: string | null;
  capabilities?: { add?: string[] | null; drop?: string[] | null } | null;
  seLinuxOptions?: SELinuxOptions | null;
  seccompProfile?: ProfileRef | null;
  appArmorProfile?: ProfileRef | null;
  windowsOptions?: WindowsOptions | null;
}

export interface PodSecurityContext extends SecurityContext {
  sysctls?: { name?: string; value?: string }[] | null;
}

export interface HostedAction { host?: string | null }
export interface Handler { httpGet?: HostedAction | null; tcpSocket?: HostedAction | null }

export interface Container {
  name?: string;
  image?: string;
  securityContext?: SecurityContext | null;
  ports?: { hostPort?: number | null }[] | null;
  livenessProbe?: Handler | null;
  readinessProbe?: Handler | null;
  startupProbe?: Handler | null;
  lifecycle?: { postStart?: Handler | null; preStop?: Handler | null } | null;
  [key: string]: unknown;
}

export interface Volume {
  name?: string;
  [source: string]: unknown;
}

export interface PodSpec {
  containers?: Container[] | null;
  initContainers?: Container[] | null;
  ephemeralContainers?: Container[] | null;
  volumes?: Volume[] | null;
  securityContext?: PodSecurityContext | null;
  hostNetwork?: boolean | null;
  hostPID?: boolean | null;
  hostIPC?: boolean | null;
  hostUsers?: boolean | null;
  os?: { name?: string } | null;
  runtimeClassName?: string | null;
  [key: string]: unknown;
}

/**
 * Whether a check allows the pod and, if not, why. `forbiddenReason` is short and always shown;
 * `forbiddenDetail` names containers and values. `id` is the check that produced the result.
 */
export interface CheckResult {
  readonly allowed: boolean;
  readonly forbiddenReason?: string;
  readonly forbiddenDetail?: string;
  readonly id?: string;
}

export type CheckPodFn = (podMetadata: PodMetadata, podSpec: PodSpec) => CheckResult;

export interface VersionedCheck {
  /** first policy minor version (v1.<minimumVersion>) this implementation applies to */
  readonly minimumVersion: number;
  readonly check: CheckPodFn;
  /** baseline checks this restricted check replaces from this version on */
  readonly overrideCheckIds?: readonly string[];
}

export interface Check {
  readonly id: string;
  readonly level: Exclude<Level, 'privileged'>;
  /** strictly increasing minimum versions */
  readonly versions: readonly VersionedCheck[];
}

/** Shared result for every check that allows the pod: no allocation on the common path. */
export const ALLOWED: CheckResult = Object.freeze({ allowed: true });

export function forbidden(forbiddenReason: string, forbiddenDetail: string): CheckResult {
  return { allowed: false, forbiddenReason, forbiddenDetail };
}
