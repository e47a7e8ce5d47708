/**
 * `portcullis audit --cluster`: list, page by page, every kind of object the loaded policies can
 * match, and evaluate each one as a CREATE review, as the webhook would if it were created now.
 *
 * Which resources are listed comes from the cluster's discovery (/api, /apis), filtered by the
 * policies' resource rules: per API group one version is listed (the preferred one when the rules
 * accept it, else the first served version they name), so an object served in several versions is
 * audited once. Rules only for subresources (`pods/exec`) or for operations other than CREATE have
 * nothing to list. With --namespace only namespaced resources in those namespaces are listed.
 * namespaceObject comes from the cluster's Namespaces; params from the policy folders.
 */
import type { KubeObject } from '../admission/types.js';
import type { PolicySet } from '../engine/policy-set.js';
import type { ResourceRule } from '../engine/types.js';
import { loadKubeConfig } from '../kube/kubeconfig.js';
import type { KubeConfig } from '@kubernetes/client-node';
import { ClusterAuditError } from './errors.js';
import { auditRequest, type AuditedObject } from './evaluate.js';
import { KubeClient } from './kube-client.js';
import { AuditLookups } from './lookups.js';
import { buildPolicyReports, REPORT_API_VERSION } from './output.js';
import type { LoadedPolicies } from './policies.js';
import { buildRequest } from './requests.js';
import { ResourceCatalog } from './resources.js';

export const DEFAULT_PAGE_SIZE = 500;

export interface ClusterAuditOptions {
  kubeconfig?: string;
  /** a ready KubeConfig (tests); wins over `kubeconfig` */
  kubeConfig?: KubeConfig;
  /** only these namespaces (namespaced resources only); empty = everything */
  namespaces: string[];
  writeReports: boolean;
  pageSize?: number;
  /** a terminal to draw progress on (only when it is a TTY) */
  progress?: NodeJS.WritableStream | undefined;
  log: (line: string) => void;
  /** run the mutating policies before validating (default true) */
  mutate?: boolean;
}

export interface ListTarget {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
}

interface APIResource { name: string; kind: string; namespaced: boolean; verbs?: string[] }
interface APIResourceList { groupVersion: string; resources: APIResource[] }
interface APIGroup { name: string; versions: { groupVersion: string; version: string }[]; preferredVersion?: { version: string } }
interface ObjectList { metadata?: { continue?: string; resourceVersion?: string }; items?: KubeObject[] }

const accepts = (list: readonly string[], value: string): boolean => list.includes('*') || list.includes(value);

/** Rules that can match a CREATE of a whole object: `pods`, `*` or all-with-subresources, not only subresources. */
function listableRules(rules: readonly ResourceRule[]): ResourceRule[] {
  return rules.filter((rule) => accepts(rule.operations, 'CREATE') && rule.resources.some((r) => !r.includes('/') || r === '*/*'));
}

function resourceAccepted(rule: ResourceRule, resource: APIResource): boolean {
  if (resource.name.includes('/')) return false;
  if (rule.scope === 'Namespaced' && !resource.namespaced) return false;
  if (rule.scope === 'Cluster' && resource.namespaced) return false;
  return rule.resources.some((r) => r === '*' || r === '*/*' || r === resource.name);
}

/** Discovery -> the resources to list, deduplicated across versions. */
export async function discoverTargets(client: KubeClient, rules: readonly ResourceRule[], log: (line: string) => void): Promise<ListTarget[]> {
  const usable = listableRules(rules);
  if (usable.length === 0) return [];
  const groups: APIGroup[] = [];
  const core = await client.get<{ versions?: string[] }>('/api');
  groups.push({ name: '', versions: (core.versions ?? ['v1']).map((v) => ({ groupVersion: v, version: v })), preferredVersion: { version: 'v1' } });
  const named = await client.get<{ groups?: APIGroup[] }>('/apis');
  groups.push(...(named.groups ?? []));

  const targets: ListTarget[] = [];
  for (const group of groups) {
    const groupRules = usable.filter((rule) => accepts(rule.apiGroups, group.name));
    if (groupRules.length === 0) continue;
    const served = group.versions.map((v) => v.version);
    const preferred = group.preferredVersion?.version ?? served[0];
    const wanted = (v: string): boolean => groupRules.some((rule) => accepts(rule.apiVersions, v));
    const version = preferred && wanted(preferred) ? preferred : served.find(wanted);
    if (!version) continue;
    const path = group.name === '' ? `/api/${version}` : `/apis/${group.name}/${version}`;
    let list: APIResourceList;
    try {
      list = await client.get<APIResourceList>(path);
    } catch (error) {
      // An aggregated API that is down must not stop the audit of everything else.
      log(`portcullis: skipping ${group.name || 'core'}/${version}: ${(error as Error).message}`);
      continue;
    }
    const versionRules = groupRules.filter((rule) => accepts(rule.apiVersions, version));
    for (const resource of list.resources) {
      if (resource.verbs && !resource.verbs.includes('list')) continue;
      if (!versionRules.some((rule) => resourceAccepted(rule, resource))) continue;
      targets.push({ group: group.name, version, resource: resource.name, kind: resource.kind, namespaced: resource.namespaced });
    }
  }
  return targets;
}

function listPath(target: ListTarget, namespace?: string): string {
  const base = target.group === '' ? `/api/${target.version}` : `/apis/${target.group}/${target.version}`;
  return namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${target.resource}` : `${base}/${target.resource}`;
}

/** Every object of one resource, following `continue` tokens page by page. */
export async function* listAll(client: KubeClient, path: string, pageSize: number): AsyncGenerator<KubeObject[]> {
  let token: string | undefined;
  do {
    const query = new URLSearchParams({ limit: String(pageSize) });
    if (token) query.set('continue', token);
    const page = await client.get<ObjectList>(`${path}?${query.toString()}`);
    yield page.items ?? [];
    token = page.metadata?.continue || undefined;
  } while (token);
}

function clientFor(options: ClusterAuditOptions): KubeClient {
  const kubeConfig = options.kubeConfig ?? loadKubeConfig(options.kubeconfig, { useDefault: true });
  if (!kubeConfig) {
    throw new ClusterAuditError('no cluster to audit: give --kubeconfig FILE, set KUBECONFIG, or run inside a cluster');
  }
  return new KubeClient(kubeConfig);
}

async function readNamespaces(client: KubeClient, pageSize: number, log: (line: string) => void): Promise<KubeObject[] | undefined> {
  const namespaces: KubeObject[] = [];
  try {
    for await (const page of listAll(client, '/api/v1/namespaces', pageSize)) namespaces.push(...page);
  } catch (error) {
    log(`portcullis: cannot list namespaces (${(error as Error).message}); namespace selectors see only kubernetes.io/metadata.name`);
    return undefined;
  }
  return namespaces.map((ns) => ({ apiVersion: 'v1', kind: 'Namespace', ...ns }));
}

export async function auditCluster(set: PolicySet, loaded: LoadedPolicies, options: ClusterAuditOptions): Promise<AuditedObject[]> {
  const client = clientFor(options);
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const progress = options.progress;
  const targets = await discoverTargets(client, set.policies.flatMap((p) => p.rules), options.log);
  const clusterNamespaces = await readNamespaces(client, pageSize, options.log);
  const lookups = new AuditLookups({
    namespaces: clusterNamespaces ?? loaded.namespaces,
    params: loaded.params,
    synthesize: clusterNamespaces === undefined,
  });
  const catalog = new ResourceCatalog();
  for (const target of targets) catalog.add(target.group, target.kind, { resource: target.resource, namespaced: target.namespaced });

  const audited: AuditedObject[] = [];
  const selected = options.namespaces;
  for (const [index, target] of targets.entries()) {
    if (selected.length > 0 && !target.namespaced) continue;
    const apiVersion = target.group === '' ? target.version : `${target.group}/${target.version}`;
    const paths = selected.length > 0 ? selected.map((ns) => listPath(target, ns)) : [listPath(target)];
    let count = 0;
    for (const path of paths) {
      for await (const page of listAll(client, path, pageSize)) {
        for (const item of page) {
          // List items of built-in types leave out apiVersion and kind; the webhook would see them.
          const object: KubeObject = { apiVersion, kind: target.kind, ...item };
          audited.push(auditRequest(set, buildRequest(object, { catalog }), lookups, { mutate: options.mutate !== false }));
        }
        count += page.length;
        progress?.write(`\r\u001b[K[${index + 1}/${targets.length}] ${apiVersion} ${target.resource}: ${count} object(s)`);
      }
    }
  }
  progress?.write(`\r\u001b[K${audited.length} object(s) audited in ${targets.length} resource kind(s)\n`);
  if (options.writeReports) await writeReports(client, audited, options.log);
  return audited;
}

function reportPath(report: KubeObject): string {
  const namespace = report.metadata?.namespace;
  return namespace
    ? `/apis/${REPORT_API_VERSION}/namespaces/${encodeURIComponent(namespace)}/policyreports`
    : `/apis/${REPORT_API_VERSION}/clusterpolicyreports`;
}

/** Creates each report, or replaces the one already there (409 -> get its resourceVersion -> put). */
export async function writeReports(client: KubeClient, audited: AuditedObject[], log: (line: string) => void): Promise<void> {
  for (const report of buildPolicyReports(audited)) {
    const collection = reportPath(report);
    const name = String(report.metadata?.name);
    const label = `${String(report.kind)} ${report.metadata?.namespace ? `${report.metadata.namespace}/` : ''}${name}`;
    try {
      await client.post(collection, report);
      log(`portcullis: created ${label}`);
      continue;
    } catch (error) {
      if (!(error instanceof ClusterAuditError) || error.status !== 409) throw reportError(label, error);
    }
    for (let attempt = 1; ; attempt++) {
      const current = await client.get<KubeObject>(`${collection}/${encodeURIComponent(name)}`);
      const replacement = { ...report, metadata: { ...report.metadata, resourceVersion: current.metadata?.resourceVersion } };
      try {
        await client.put(`${collection}/${encodeURIComponent(name)}`, replacement);
        log(`portcullis: updated ${label}`);
        break;
      } catch (error) {
        // Someone else wrote it in between: read it again, a few times.
        if (error instanceof ClusterAuditError && error.status === 409 && attempt < 3) continue;
        throw reportError(label, error);
      }
    }
  }
}

function reportError(label: string, error: unknown): ClusterAuditError {
  const status = error instanceof ClusterAuditError ? error.status : undefined;
  const hint = status === 404 ? ' (is the wgpolicyk8s.io/v1alpha2 PolicyReport CRD installed?)' : '';
  return new ClusterAuditError(`cannot write ${label}: ${(error as Error).message}${hint}`, status);
}
