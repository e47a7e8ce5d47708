/**
 * The three audit outputs over the same results:
 *   table         for people: objects with findings, one line per finding, a summary line;
 *   json          for scripts: a stable shape, documented in README (kind AuditResult);
 *   policyreport  wgpolicyk8s.io/v1alpha2 PolicyReport per namespace + one ClusterPolicyReport.
 */
import { stringify } from 'yaml';
import type { KubeObject } from '../admission/types.js';
import type { Finding } from '../engine/types.js';
import { findingOutcome, policyOutcomes, summarize, type AuditedObject, type ObjectRef, type PolicyOutcome } from './evaluate.js';

export type OutputFormat = 'table' | 'json' | 'policyreport';
export const OUTPUT_FORMATS: OutputFormat[] = ['table', 'json', 'policyreport'];

// ---------------------------------------------------------------------------------------------- table

const ANSI = { red: '\u001b[31m', yellow: '\u001b[33m', cyan: '\u001b[36m', magenta: '\u001b[35m', green: '\u001b[32m', bold: '\u001b[1m', dim: '\u001b[2m', reset: '\u001b[0m' };
type Paint = (code: keyof typeof ANSI, text: string) => string;

const ACTION_LABEL: Record<Finding['action'], string> = { Deny: 'DENY', Warn: 'WARN', Audit: 'AUDIT' };
const ACTION_COLOUR: Record<Finding['action'], keyof typeof ANSI> = { Deny: 'red', Warn: 'yellow', Audit: 'cyan' };

export function refText(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name || '<unnamed>'}`;
}

/**
 * Findings that say the same thing (one Pod Security message covers several controls) are shown
 * once, with their rules joined, so a person reads each message once.
 */
function groupFindings(findings: Finding[]): { finding: Finding; rules: string[] }[] {
  const groups = new Map<string, { finding: Finding; rules: string[] }>();
  for (const finding of findings) {
    const key = JSON.stringify([finding.policy, finding.action, finding.message, finding.path ?? '', finding.error === true]);
    const group = groups.get(key);
    if (!group) groups.set(key, { finding, rules: finding.rule ? [finding.rule] : [] });
    else if (finding.rule && !group.rules.includes(finding.rule)) group.rules.push(finding.rule);
  }
  return [...groups.values()];
}

export function formatTable(objects: AuditedObject[], options: { color?: boolean } = {}): string {
  const paint: Paint = options.color ? (code, text) => `${ANSI[code]}${text}${ANSI.reset}` : (_code, text) => text;
  const lines: string[] = [];
  for (const audited of objects) {
    const findings = audited.decision.findings;
    if (findings.length === 0) continue;
    const where = audited.source ? `  ${paint('dim', `${audited.source.file}:${audited.source.line}`)}` : '';
    const verdict = audited.decision.allowed ? '' : `  ${paint('red', '(would be denied)')}`;
    lines.push(`${paint('bold', refText(audited.ref))}${where}${verdict}`);
    for (const { finding, rules } of groupFindings(findings)) {
      const label = paint(ACTION_COLOUR[finding.action], ACTION_LABEL[finding.action].padEnd(5));
      const policy = rules.length > 0 ? `${finding.policy}/${rules.join(',')}` : finding.policy;
      // Prefixed messages already name the field; say it once.
      const path = finding.path && !finding.message.includes(finding.path) ? `  ${paint('dim', `at ${finding.path}`)}` : '';
      const error = finding.error ? ` ${paint('magenta', '[policy error]')}` : '';
      lines.push(`  ${label} ${policy}: ${finding.message}${path}${error}`);
    }
  }
  const s = summarize(objects);
  if (lines.length === 0) lines.push(paint('green', 'No findings.'));
  else lines.push('');
  const denied = s.denied > 0 ? paint('red', `${s.denied} would be denied`) : paint('green', '0 would be denied');
  const mutated = s.mutated > 0 ? `; ${s.mutated} mutated before validation` : '';
  lines.push(
    `${s.objects} object(s) audited, ${denied}; findings: ${s.fail} deny, ${s.warn} warn, ${s.audit} audit, ${s.error} error; ${s.pass} passed check(s)${mutated}`,
  );
  return `${lines.join('\n')}\n`;
}

// ----------------------------------------------------------------------------------------------- json

export interface JsonFinding {
  policy: string;
  rule?: string;
  action: Finding['action'];
  result: PolicyOutcome;
  message: string;
  path?: string;
  code?: number;
  error?: boolean;
}

export interface JsonObjectResult {
  object: ObjectRef;
  source?: { file: string; line: number };
  operation: string;
  allowed: boolean;
  status?: { code: number; message: string; reason?: string };
  warnings: string[];
  auditAnnotations: Record<string, string>;
  /** policy name -> its outcome for this object (matched policies only, plus any that reported) */
  policies: Record<string, PolicyOutcome>;
  findings: JsonFinding[];
  /** what the mutating policies changed before validation (RFC 6902); absent when nothing */
  patch?: AuditedObject['patch'];
}

export interface JsonAuditResult {
  apiVersion: 'portcullis.dev/v1alpha1';
  kind: 'AuditResult';
  summary: ReturnType<typeof summarize>;
  results: JsonObjectResult[];
}

export function toJsonResult(objects: AuditedObject[]): JsonAuditResult {
  return {
    apiVersion: 'portcullis.dev/v1alpha1',
    kind: 'AuditResult',
    summary: summarize(objects),
    results: objects.map((audited) => ({
      object: audited.ref,
      ...(audited.source ? { source: audited.source } : {}),
      operation: audited.request.operation,
      allowed: audited.decision.allowed,
      ...(audited.decision.status ? { status: audited.decision.status } : {}),
      warnings: audited.decision.warnings,
      auditAnnotations: audited.decision.auditAnnotations,
      policies: Object.fromEntries(policyOutcomes(audited)),
      findings: audited.decision.findings.map((f) => ({
        policy: f.policy,
        ...(f.rule !== undefined ? { rule: f.rule } : {}),
        action: f.action,
        result: findingOutcome(f),
        message: f.message,
        ...(f.path !== undefined ? { path: f.path } : {}),
        ...(f.action === 'Deny' && f.code !== undefined ? { code: f.code } : {}),
        ...(f.error ? { error: true } : {}),
      })),
      ...(audited.patch.length > 0 ? { patch: audited.patch } : {}),
    })),
  };
}

export function formatJson(objects: AuditedObject[]): string {
  return `${JSON.stringify(toJsonResult(objects), null, 2)}\n`;
}

// -------------------------------------------------------------------------------------- policyreport

export const REPORT_API_VERSION = 'wgpolicyk8s.io/v1alpha2';
export const REPORT_SOURCE = 'portcullis';
export const CLUSTER_REPORT_NAME = 'portcullis-cluster';
export const reportName = (namespace: string): string => `portcullis-${namespace}`;

type ReportResult = 'pass' | 'fail' | 'warn' | 'error' | 'skip';

export interface PolicyReportResult {
  source: string;
  policy: string;
  rule?: string;
  result: ReportResult;
  message: string;
  scored: boolean;
  timestamp: { seconds: number; nanos: number };
  resources: ObjectRef[];
  properties?: Record<string, string>;
}

/** PolicyReport has no `audit` result: an Audit finding is a violation that is recorded, not enforced -> fail. */
function reportResult(finding: Finding): ReportResult {
  const outcome = findingOutcome(finding);
  return outcome === 'audit' ? 'fail' : outcome;
}

/**
 * One PolicyReport per namespace (in that namespace) and one ClusterPolicyReport for cluster-scoped
 * objects. Results: one per finding, and one `pass` per object and matched policy with no finding.
 */
export function buildPolicyReports(objects: AuditedObject[], options: { now?: Date } = {}): KubeObject[] {
  const seconds = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const timestamp = { seconds, nanos: 0 };
  const groups = new Map<string, PolicyReportResult[]>();
  const CLUSTER = '\u0000cluster';
  for (const audited of objects) {
    const key = audited.ref.namespace ?? CLUSTER;
    let results = groups.get(key);
    if (!results) groups.set(key, (results = []));
    const resources = [audited.ref];
    const reported = new Set<string>();
    for (const finding of audited.decision.findings) {
      reported.add(finding.policy);
      const properties: Record<string, string> = { action: finding.action };
      if (finding.path) properties.path = finding.path;
      results.push({
        source: REPORT_SOURCE,
        policy: finding.policy,
        ...(finding.rule !== undefined ? { rule: finding.rule } : {}),
        result: reportResult(finding),
        message: finding.message,
        scored: true,
        timestamp,
        resources,
        properties,
      });
    }
    for (const policy of audited.matched) {
      if (reported.has(policy)) continue;
      results.push({ source: REPORT_SOURCE, policy, result: 'pass', message: 'no violation', scored: true, timestamp, resources });
    }
  }
  const reports: KubeObject[] = [];
  const keys = [...groups.keys()].sort((a, b) => (a === CLUSTER ? 1 : b === CLUSTER ? -1 : a.localeCompare(b)));
  for (const key of keys) {
    const results = groups.get(key) ?? [];
    // A namespace none of whose objects any policy matched has nothing to report.
    if (results.length === 0) continue;
    const cluster = key === CLUSTER;
    reports.push({
      apiVersion: REPORT_API_VERSION,
      kind: cluster ? 'ClusterPolicyReport' : 'PolicyReport',
      metadata: {
        name: cluster ? CLUSTER_REPORT_NAME : reportName(key),
        ...(cluster ? {} : { namespace: key }),
        labels: { 'app.kubernetes.io/managed-by': 'portcullis' },
      },
      summary: reportSummary(results),
      results,
    });
  }
  return reports;
}

export function reportSummary(results: { result: ReportResult }[]): Record<ReportResult, number> {
  const summary: Record<ReportResult, number> = { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 };
  for (const r of results) summary[r.result]++;
  return summary;
}

export function formatPolicyReports(objects: AuditedObject[], options: { now?: Date } = {}): string {
  return buildPolicyReports(objects, options)
    .map((report) => stringify(report, { lineWidth: 0, aliasDuplicateObjects: false }))
    .join('---\n');
}

export function formatOutput(format: OutputFormat, objects: AuditedObject[], options: { color?: boolean; now?: Date } = {}): string {
  if (format === 'json') return formatJson(objects);
  if (format === 'policyreport') return formatPolicyReports(objects, options);
  return formatTable(objects, options);
}
