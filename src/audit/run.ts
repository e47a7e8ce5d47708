/**
 * `portcullis audit` end to end: load policies, collect the objects (files or cluster), evaluate
 * them with the webhook's engine, print one of the outputs, and answer with an exit code:
 *   0 nothing would be denied, 1 something would, 2 bad input (nothing was judged).
 */
import type { Operation } from '../admission/types.js';
import { PolicySet } from '../engine/policy-set.js';
import { auditCluster } from './cluster.js';
import { AuditInputError } from './errors.js';
import { policyErrors, type AuditedObject } from './evaluate.js';
import { useColor, writeAll, type CommandIO } from './io.js';
import { auditManifests } from './offline.js';
import { formatOutput, type OutputFormat } from './output.js';
import { loadPolicySource } from './policies.js';

export const EXIT_OK = 0;
export const EXIT_DENIED = 1;
export const EXIT_BAD_INPUT = 2;

export interface AuditOptions {
  files: string[];
  cluster: boolean;
  policies: string[];
  policy: string[];
  config?: string;
  output: OutputFormat;
  operation: Operation;
  old: string[];
  namespaceLabels: string[];
  kubeconfig?: string;
  namespaces: string[];
  writeReports: boolean;
  /** API page size for --cluster */
  pageSize?: number;
  /** apply the mutating policies before validating, as the apiserver does (--no-mutate: false) */
  mutate?: boolean;
}

export function checkAuditOptions(options: AuditOptions): void {
  const bad = (message: string): AuditInputError => new AuditInputError('BAD_OPTION', message);
  if (options.cluster && options.files.length > 0) throw bad('use either -f PATH or --cluster, not both');
  if (!options.cluster && options.files.length === 0) throw bad('nothing to audit: give -f PATH (file, folder or - for stdin) or --cluster');
  if (options.operation === 'UPDATE' && !options.cluster && options.old.length === 0) throw bad('--operation UPDATE needs --old FILE with the previous versions');
  if (options.old.length > 0 && options.operation !== 'UPDATE') throw bad('--old is only used with --operation UPDATE');
  if (options.cluster && options.operation !== 'CREATE') throw bad('--cluster audits existing objects as CREATE; --operation is for -f');
  if (options.writeReports && !options.cluster) throw bad('--write-reports needs --cluster');
  if (!options.cluster && (options.namespaces.length > 0 || options.kubeconfig)) throw bad('--namespace and --kubeconfig are for --cluster');
  if (options.cluster && options.namespaceLabels.length > 0) throw bad('--namespace-labels is for -f; --cluster reads the namespaces from the cluster');
  if (options.files.filter((f) => f === '-').length > 1) throw bad("'-' (stdin) can be given once");
}

export async function runAudit(options: AuditOptions, io: CommandIO): Promise<number> {
  checkAuditOptions(options);
  const loaded = await loadPolicySource({ dirs: options.policies, ...(options.config ? { config: options.config } : {}), only: options.policy });
  const set = new PolicySet(loaded.policies);
  let objects: AuditedObject[];
  if (options.cluster) {
    objects = await auditCluster(set, loaded, {
      ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}),
      namespaces: options.namespaces,
      writeReports: options.writeReports,
      ...(options.pageSize ? { pageSize: options.pageSize } : {}),
      progress: io.stderr.isTTY ? io.stderr : undefined,
      log: (line) => io.stderr.write(`${line}\n`),
      mutate: options.mutate !== false,
    });
  } else {
    objects = await auditManifests(set, loaded, {
      files: options.files,
      operation: options.operation,
      old: options.old,
      namespaceLabels: options.namespaceLabels,
      stdin: io.stdin,
      mutate: options.mutate !== false,
    });
  }
  await reportPolicyErrors(objects, io);
  await writeAll(io.stdout, formatOutput(options.output, objects, { color: options.output === 'table' && useColor(io.stdout, io.env) }));
  return objects.some((o) => !o.decision.allowed) ? EXIT_DENIED : EXIT_OK;
}

/** A policy that cannot run is named on stderr once, whatever the output format; its failurePolicy already decided. */
async function reportPolicyErrors(objects: AuditedObject[], io: CommandIO): Promise<void> {
  const byPolicy = new Map<string, { message: string; count: number }>();
  for (const finding of policyErrors(objects)) {
    const entry = byPolicy.get(finding.policy);
    if (entry) entry.count++;
    else byPolicy.set(finding.policy, { message: finding.message, count: 1 });
  }
  for (const [policy, { message, count }] of byPolicy) {
    const more = count > 1 ? ` (and ${count - 1} other error message(s))` : '';
    await writeAll(io.stderr, `portcullis: policy '${policy}' could not be evaluated: ${message}${more}\n`);
  }
}
