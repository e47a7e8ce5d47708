/**
 * pod-security: the Pod Security Standards (privileged / baseline / restricted), enforced exactly as
 * Kubernetes' Pod Security Admission does - same checks per policy version, same namespace labels,
 * same exemptions, same messages.
 *
 *   checks/check-*.ts  one file per control, versioned as upstream
 *   registry.ts        every check registered once; evaluate(level, version, podMetadata, podSpec)
 *   admission.ts       enforce / warn / audit per request, exemptions, update semantics
 *   config.ts          PodSecurityConfiguration (policyConfig.pod-security)
 *
 * Findings: one per failed check and mode, `rule` = the check ID (e.g. `privileged`). The findings
 * of one mode all carry the same complete PSA message, so the deduplicating combiner shows it once:
 *   Deny  `violates PodSecurity "baseline:latest": privileged (container "app" must not set ...), ...`
 *   Warn  `would violate PodSecurity "restricted:latest": ...`
 *   Audit the same text, which the engine reports as the `pod-security/audit-violations` annotation.
 * PSA's other annotations (enforce-policy, exempt, error) are returned as audit annotations.
 * Namespaces with invalid pod-security labels are denied (rule `namespaceLabels`).
 */
import type { KubeObject, PolicyContext, ValidateOutput, ValidationAction, Violation } from '../../src/index.js';
import { definePolicy } from '../../src/index.js';
import { reviewPodSecurity, type ModeOutcome, type PodSecurityOutcome } from './admission.js';
import { AUDIT_VIOLATIONS_ANNOTATION } from './api.js';
import { configurationFor, DEFAULT_CONFIGURATION, type PodSecurityConfiguration } from './config.js';

export const POD_SECURITY_POLICY_NAME = 'pod-security';

/** PolicyReport rule of findings about a Namespace's pod-security labels */
export const NAMESPACE_LABELS_RULE = 'namespaceLabels';

const OPERATIONS: ('CREATE' | 'UPDATE')[] = ['CREATE', 'UPDATE'];

export const POD_SECURITY_RESOURCE_RULES = [
  { apiGroups: [''], apiVersions: ['v1'], resources: ['pods', 'pods/ephemeralcontainers', 'namespaces'], operations: OPERATIONS },
  { apiGroups: [''], apiVersions: ['v1'], resources: ['podtemplates', 'replicationcontrollers'], operations: OPERATIONS },
  { apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'], operations: OPERATIONS },
  { apiGroups: ['batch'], apiVersions: ['v1'], resources: ['jobs', 'cronjobs'], operations: OPERATIONS },
];

function violationsOf(mode: ModeOutcome | undefined, action: ValidationAction, into: Violation[]): void {
  if (!mode) return;
  for (const result of mode.forbidden) {
    const violation: Violation = { message: mode.message, action };
    if (result.id !== undefined) violation.rule = result.id;
    into.push(violation);
  }
}

/** Turns PSA's verdict into portcullis violations and audit annotations. */
export function toValidateOutput(outcome: PodSecurityOutcome): ValidateOutput {
  const violations: Violation[] = [];
  violationsOf(outcome.deny, 'Deny', violations);
  violationsOf(outcome.warn, 'Warn', violations);
  violationsOf(outcome.audit, 'Audit', violations);
  if (outcome.namespaceDenial) violations.push({ message: outcome.namespaceDenial, action: 'Deny', rule: NAMESPACE_LABELS_RULE, path: 'metadata.labels' });
  if (outcome.namespaceWarning) violations.push({ message: outcome.namespaceWarning, action: 'Warn', rule: NAMESPACE_LABELS_RULE, path: 'metadata.labels' });
  const auditAnnotations: Record<string, string> = {};
  for (const key in outcome.annotations) {
    // the engine builds <policy>/audit-violations from the Audit findings
    if (key !== AUDIT_VIOLATIONS_ANNOTATION) auditAnnotations[key] = outcome.annotations[key] as string;
  }
  return { violations, auditAnnotations };
}

export function validatePodSecurity(ctx: PolicyContext<KubeObject, PodSecurityConfiguration | undefined>): ValidateOutput {
  const request = ctx.request;
  const outcome = reviewPodSecurity(
    {
      group: request.resource.group,
      resource: request.resource.resource,
      subResource: request.requestSubResource ?? request.subResource ?? '',
      operation: ctx.operation,
      namespace: request.namespace,
      username: ctx.userInfo?.username,
      object: ctx.object,
      oldObject: ctx.oldObject,
      namespaceLabels: ctx.namespaceObject?.metadata?.labels,
    },
    configurationFor(ctx.config),
  );
  return toValidateOutput(outcome);
}

export default definePolicy<KubeObject, PodSecurityConfiguration | undefined>({
  name: POD_SECURITY_POLICY_NAME,
  description:
    'Pod Security Standards as Pod Security Admission enforces them: namespace labels ' +
    'pod-security.kubernetes.io/{enforce,audit,warn}[-version] over configured defaults, with exemptions',
  match: { resources: POD_SECURITY_RESOURCE_RULES },
  action: 'Deny',
  failurePolicy: 'Fail',
  messageFormat: 'verbatim',
  defaults: DEFAULT_CONFIGURATION,
  validate: validatePodSecurity,
});
