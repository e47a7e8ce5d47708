/** Building the inputs the pod-security policy sees: PolicyContexts as the TypeScript adapter makes them. */
import type { AdmissionRequest, KubeObject, Operation, PolicyContext, ValidateOutput } from '../../src/index.js';
import policy from '../../policies/pod-security/index.js';
import type { PodSecurityConfiguration } from '../../policies/pod-security/config.js';
import { DEFAULT_CONFIGURATION } from '../../policies/pod-security/config.js';
import { KIND_RESOURCES } from '../support/kinds.js';


export interface ContextOptions {
  operation?: Operation;
  namespace?: string;
  labels?: Record<string, string>;
  /** no Namespace object at all (unknown namespace) */
  noNamespace?: boolean;
  username?: string;
  subResource?: string;
  oldObject?: KubeObject | null;
  config?: PodSecurityConfiguration;
}

export function podContext(object: KubeObject, options: ContextOptions = {}): PolicyContext<KubeObject, PodSecurityConfiguration | undefined> {
  const kind = object.kind ?? 'Pod';
  const gvr = KIND_RESOURCES[kind];
  if (!gvr) throw new Error(`no resource for kind ${kind}`);
  const namespace = options.namespace ?? (kind === 'Namespace' ? (object.metadata?.name ?? '') : 'team-a');
  const operation = options.operation ?? 'CREATE';
  const request: AdmissionRequest = {
    uid: 'uid-1',
    kind: { group: gvr.group, version: gvr.version, kind },
    resource: gvr,
    ...(options.subResource ? { subResource: options.subResource, requestSubResource: options.subResource } : {}),
    name: object.metadata?.name,
    namespace,
    operation,
    userInfo: { username: options.username ?? 'alice' },
    object,
    oldObject: options.oldObject ?? null,
  };
  return {
    request,
    operation,
    object,
    oldObject: options.oldObject ?? null,
    namespaceObject: options.noNamespace
      ? null
      : ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { 'kubernetes.io/metadata.name': namespace, ...options.labels } } } as PolicyContext['namespaceObject']),
    userInfo: request.userInfo,
    config: options.config ?? DEFAULT_CONFIGURATION,
  };
}

export function validate(object: KubeObject, options: ContextOptions = {}): ValidateOutput {
  const out = policy.validate?.(podContext(object, options));
  if (!out || Array.isArray(out)) throw new Error('pod-security validate must return { violations, auditAnnotations }');
  return out;
}

export function byAction(out: ValidateOutput, action: 'Deny' | 'Warn' | 'Audit'): { messages: string[]; rules: string[] } {
  const selected = out.violations.filter((v) => v.action === action);
  return { messages: [...new Set(selected.map((v) => v.message))], rules: selected.map((v) => v.rule ?? '') };
}

export function labels(mode: 'enforce' | 'audit' | 'warn', level: string, version?: string): Record<string, string> {
  const result: Record<string, string> = { [`pod-security.kubernetes.io/${mode}`]: level };
  if (version !== undefined) result[`pod-security.kubernetes.io/${mode}-version`] = version;
  return result;
}

export function deploymentOf(pod: KubeObject): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'test', namespace: pod.metadata?.namespace },
    spec: {
      selector: { matchLabels: { test: 'true' } },
      template: { metadata: pod.metadata, spec: pod.spec },
    },
  };
}

/** A pod that restricted:latest allows. */
export function restrictedPod(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'team-a' },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'registry.example.com/web:1.4.2',
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        },
      ],
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    },
  };
}
