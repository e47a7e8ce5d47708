/**
 * Lookups for an audit: Namespace objects and params held in memory. Offline, a namespace that the
 * input does not define is assumed to exist with only the label the apiserver always sets
 * (`kubernetes.io/metadata.name`), so selectors on namespace names still behave as in a cluster.
 */
import type { KubeObject } from '../admission/types.js';
import type { Lookups } from '../engine/types.js';
import { AuditInputError } from './errors.js';

export const NAME_LABEL = 'kubernetes.io/metadata.name';

export interface AuditLookupsOptions {
  namespaces?: KubeObject[];
  params?: KubeObject[];
  /** labels added over those of the namespace objects (from --namespace-labels) */
  extraLabels?: Map<string, Record<string, string>>;
  /** invent namespaces nobody defined (offline); a cluster audit knows them all */
  synthesize?: boolean;
}

export function namespaceObject(name: string, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { [NAME_LABEL]: name, ...labels } } };
}

export class AuditLookups implements Lookups {
  private readonly namespaces = new Map<string, KubeObject>();
  private readonly paramObjects: KubeObject[];
  private readonly synthesize: boolean;

  constructor(options: AuditLookupsOptions = {}) {
    this.paramObjects = options.params ?? [];
    this.synthesize = options.synthesize ?? true;
    for (const ns of options.namespaces ?? []) {
      const name = ns.metadata?.name;
      if (typeof name !== 'string' || name === '') continue;
      const labels = { [NAME_LABEL]: name, ...(ns.metadata?.labels ?? {}) };
      this.namespaces.set(name, { ...ns, metadata: { ...ns.metadata, labels } });
    }
    for (const [name, labels] of options.extraLabels ?? []) {
      const existing = this.namespaces.get(name);
      if (existing) existing.metadata = { ...existing.metadata, labels: { ...existing.metadata?.labels, ...labels } };
      else this.namespaces.set(name, namespaceObject(name, labels));
    }
  }

  namespace(name: string): KubeObject | undefined {
    const found = this.namespaces.get(name);
    if (found || !this.synthesize) return found;
    const made = namespaceObject(name);
    this.namespaces.set(name, made);
    return made;
  }

  params(apiVersion: string, kind: string, namespace?: string): KubeObject[] {
    return this.paramObjects.filter(
      (p) => p.apiVersion === apiVersion && p.kind === kind && (namespace === undefined || p.metadata?.namespace === namespace),
    );
  }
}

/**
 * Parses `--namespace-labels NS:KEY=VALUE[,KEY=VALUE...]` (repeatable). A colon separates the
 * namespace from its labels because label keys may hold `/` and `.` but never `:`.
 */
export function parseNamespaceLabels(specs: string[]): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const spec of specs) {
    const colon = spec.indexOf(':');
    const bad = (why: string): AuditInputError =>
      new AuditInputError('BAD_OPTION', `--namespace-labels '${spec}': ${why} (expected NAMESPACE:KEY=VALUE[,KEY=VALUE...])`);
    if (colon <= 0) throw bad('no namespace before ":"');
    const namespace = spec.slice(0, colon);
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace)) throw bad(`'${namespace}' is not a valid namespace name`);
    const labels = out.get(namespace) ?? {};
    const body = spec.slice(colon + 1);
    if (body.trim() === '') throw bad('no labels after ":"');
    for (const pair of body.split(',')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw bad(`'${pair}' is not KEY=VALUE`);
      const value = pair.slice(eq + 1);
      if (value.includes('=')) throw bad(`'${pair}' has more than one "="`);
      labels[pair.slice(0, eq).trim()] = value.trim();
    }
    out.set(namespace, labels);
  }
  return out;
}
