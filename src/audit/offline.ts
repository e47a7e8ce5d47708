/**
 * Offline audit: manifests -> requests -> the engine. Namespace labels come from, in order of
 * precedence: --namespace-labels, Namespace objects in the audited input, Namespace objects of the
 * config file and policy folders, and otherwise only `kubernetes.io/metadata.name`.
 */
import type { KubeObject, Operation } from '../admission/types.js';
import type { PolicySet } from '../engine/policy-set.js';
import { auditRequest, type AuditedObject } from './evaluate.js';
import { AuditLookups, parseNamespaceLabels } from './lookups.js';
import { readManifests, type SourcedObject } from './manifests.js';
import type { LoadedPolicies } from './policies.js';
import { buildRequests } from './requests.js';
import { ResourceCatalog } from './resources.js';

export interface OfflineAuditOptions {
  files: string[];
  operation?: Operation;
  /** files with the old versions of the objects (UPDATE) */
  old?: string[];
  /** `NS:KEY=VALUE,...` specs */
  namespaceLabels?: string[];
  stdin?: NodeJS.ReadableStream;
  /** run the mutating policies before validating (default true) */
  mutate?: boolean;
}

const isNamespace = (object: KubeObject): boolean => object.kind === 'Namespace' && object.apiVersion === 'v1';

export async function auditManifests(set: PolicySet, loaded: LoadedPolicies, options: OfflineAuditOptions): Promise<AuditedObject[]> {
  const extraLabels = parseNamespaceLabels(options.namespaceLabels ?? []);
  const stdin = options.stdin ? { stdin: options.stdin } : {};
  const objects = await readManifests(options.files, stdin);
  const oldObjects: SourcedObject[] = options.old && options.old.length > 0 ? await readManifests(options.old, stdin) : [];
  const catalog = new ResourceCatalog();
  catalog.learnDefinitions([...objects, ...oldObjects].map((o) => o.object));
  const lookups = new AuditLookups({
    namespaces: [...loaded.namespaces, ...objects.map((o) => o.object).filter(isNamespace)],
    params: loaded.params,
    extraLabels,
    synthesize: true,
  });
  const requests = buildRequests(objects, { operation: options.operation ?? 'CREATE', oldObjects, catalog });
  return requests.map((request, i) => {
    const item = objects[i] as SourcedObject;
    return auditRequest(set, request, lookups, { source: { file: item.file, line: item.line }, mutate: options.mutate !== false });
  });
}
