/**
 * The public API for policy authors.
 *
 *   import { definePolicy } from 'portcullis';
 *   export default definePolicy({
 *     name: 'no-host-network',
 *     match: { resources: [{ apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['CREATE', 'UPDATE'] }] },
 *     validate: ({ object }) => object.spec?.hostNetwork ? [{ message: 'hostNetwork is forbidden', path: 'spec.hostNetwork' }] : [],
 *   });
 */
import type { V1LabelSelector, V1Namespace } from '@kubernetes/client-node';
import type { AdmissionRequest, KubeObject, Operation, UserInfo } from './admission/types.js';
import type { FailurePolicy, ResourceRule, ValidationAction } from './engine/types.js';

export type { AdmissionRequest, KubeObject, Operation, UserInfo } from './admission/types.js';
export type { FailurePolicy, ResourceRule, ValidationAction } from './engine/types.js';

export interface PolicyMatch {
  /** what the policy can match; also used to derive the webhook configuration rules */
  resources: ResourceRule[];
  namespaceSelector?: V1LabelSelector;
  objectSelector?: V1LabelSelector;
  /** namespaces never evaluated (e.g. kube-system) */
  excludeNamespaces?: string[];
}

export interface PolicyContext<T extends object = KubeObject, C = unknown> {
  request: AdmissionRequest;
  operation: Operation;
  /** the object under review (for DELETE: the old object) */
  object: T;
  /** the previous object on UPDATE/DELETE, null on CREATE */
  oldObject: T | null;
  namespaceObject: V1Namespace | null;
  userInfo: UserInfo;
  /** this policy's configuration: `policyConfig.<name>` from --config, else the policy's `defaults` */
  config: C;
}

export interface Violation {
  message: string;
  /** field path, e.g. spec.containers[0].securityContext.privileged */
  path?: string;
  /** overrides the policy's action for this violation (Pod Security: enforce/warn/audit levels) */
  action?: ValidationAction;
  /** the validation or control this violation belongs to (PolicyReport `rule`) */
  rule?: string;
}

export interface ValidateOutput {
  violations: Violation[];
  /** audit annotation key -> value, returned as `<policy>/<key>` in the AdmissionResponse */
  auditAnnotations?: Record<string, string>;
}

export interface PolicyDefinition<T extends object = KubeObject, C = unknown> {
  name: string;
  description?: string;
  match: PolicyMatch;
  /** default action of violations (default Deny) */
  action?: ValidationAction;
  /** what happens when validate/mutate throws or runs out of time (default Fail) */
  failurePolicy?: FailurePolicy;
  /** time budget per call in milliseconds (default 100) */
  timeoutMs?: number;
  /**
   * How deny/warn messages are worded: 'prefixed' (default) gives
   * `policy 'NAME' denied request: MESSAGE (field PATH)`; 'verbatim' uses the message as written
   * (Pod Security uses this to keep Pod Security Admission's wording).
   */
  messageFormat?: 'prefixed' | 'verbatim';
  /** configuration used when the config file has no `policyConfig.<name>` entry */
  defaults?: C;
  validate?(ctx: PolicyContext<T, C>): Violation[] | ValidateOutput | void;
  /** return the changed object (a copy or ctx.object mutated in place), or nothing for no change */
  mutate?(ctx: PolicyContext<T, C>): T | void;
}

/** Marks a module's default export as a portcullis policy; the identity at run time, typed for authors. */
export function definePolicy<T extends object = KubeObject, C = unknown>(
  definition: PolicyDefinition<T, C>,
): PolicyDefinition<T, C> {
  return definition;
}
