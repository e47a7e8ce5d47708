/**
 * defaults: safe defaults written into Pods and workload pod templates before validation sees them.
 *
 * Each mutation lives in its own file and can be switched off in `policyConfig.defaults`:
 *   resources.ts             cpu/memory requests and a memory limit where a container has none
 *   seccomp.ts               pod-level seccompProfile RuntimeDefault where nothing chooses one
 *   privilege-escalation.ts  allowPrivilegeEscalation: false where unset
 *   image-pull-policy.ts     imagePullPolicy: Always for images without a digest (opt-in)
 * Rules shared by all of them: only fields the user left unset are written; ephemeral containers
 * are left alone; a namespace labelled or annotated `portcullis.dev/mutate: "false"` is skipped;
 * mirror pods (static pods the kubelet reports) and objects being deleted are skipped; the result
 * is a fixed point (mutating the mutated object changes nothing).
 */
import type { KubeObject, PolicyContext } from '../../src/index.js';
import { definePolicy } from '../../src/index.js';
import type { DefaultsConfig } from './config.js';
import { DEFAULT_CONFIG, resolveConfig } from './config.js';
import { defaultImagePullPolicy } from './image-pull-policy.js';
import { DEFAULTS_RESOURCE_RULES, isObject, podViewOf } from './pod-template.js';
import { defaultAllowPrivilegeEscalation } from './privilege-escalation.js';
import { defaultResources } from './resources.js';
import { defaultSeccompProfile } from './seccomp.js';

/** Namespace label or annotation; the value "false" opts the namespace out of every default. */
export const OPT_OUT_KEY = 'portcullis.dev/mutate';
const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

export function applyDefaults(ctx: PolicyContext<KubeObject, DefaultsConfig | undefined>): KubeObject | undefined {
  const config = resolveConfig(ctx.config);
  if (optedOut(ctx.namespaceObject) || isObject(ctx.object.metadata) && ctx.object.metadata.deletionTimestamp) {
    return undefined;
  }
  // the engine hands every policy its own working copy: change it in place (no clone per review)
  const object = ctx.object;
  const pod = podViewOf(object, ctx.request.kind, ctx.operation, config.workloads);
  if (!pod) return undefined;
  if (isObject(pod.metadata?.annotations) && pod.metadata.annotations[MIRROR_POD_ANNOTATION] !== undefined) return undefined;

  let changed = false;
  if (config.resources.enabled) changed = defaultResources(pod.spec, config.resources) || changed;
  if (config.seccompProfile.enabled) changed = defaultSeccompProfile(pod) || changed;
  if (config.allowPrivilegeEscalation.enabled) changed = defaultAllowPrivilegeEscalation(pod.spec) || changed;
  if (config.imagePullPolicy.enabled) changed = defaultImagePullPolicy(pod.spec, config.imagePullPolicy) || changed;
  return changed ? object : undefined;
}

function optedOut(namespace: PolicyContext['namespaceObject']): boolean {
  const metadata = namespace?.metadata;
  return metadata?.labels?.[OPT_OUT_KEY] === 'false' || metadata?.annotations?.[OPT_OUT_KEY] === 'false';
}

export default definePolicy<KubeObject, DefaultsConfig | undefined>({
  name: 'defaults',
  description:
    'Sets default resource requests/limits, seccompProfile RuntimeDefault, allowPrivilegeEscalation=false ' +
    'and (opt-in) imagePullPolicy Always where the user left them unset',
  match: { resources: DEFAULTS_RESOURCE_RULES },
  // a defaults failure (in practice a bad policyConfig.defaults) should not stop workloads: the
  // object is admitted unmutated with a warning, and validation still judges it
  failurePolicy: 'Ignore',
  defaults: DEFAULT_CONFIG,
  mutate: applyDefaults,
});
