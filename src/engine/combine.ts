/**
 * Combining findings into one admission decision, the way the kube-apiserver combines webhooks and
 * policies: any Deny denies, every Deny reason is listed, warnings are deduplicated and kept short,
 * audit facts become audit annotations. Server mode `audit` never denies.
 */
import type { Finding, ServerMode } from './types.js';

export interface Decision {
  allowed: boolean;
  status?: { code: number; message: string; reason?: string };
  warnings: string[];
  auditAnnotations: Record<string, string>;
  findings: Finding[];
}

/** The kube-apiserver truncates a warning past this many characters... */
export const MAX_WARNING_LENGTH = 256;
/** ...and drops warnings once their total passes this many bytes. */
export const MAX_WARNINGS_BYTES = 4096;
const MAX_ANNOTATION_NAME = 63;

/**
 * The apiserver prefixes a webhook's audit annotation keys with the webhook name and drops keys
 * that are then not a qualified name, so a key may hold no '/' and at most 63 characters.
 */
export function auditAnnotationKey(raw: string): string {
  let key = annotationKeys.get(raw);
  if (key === undefined) {
    // keys come from policies, a small set: remember them (bounded, in case a policy makes them up per request)
    if (annotationKeys.size >= 1024) annotationKeys.clear();
    key = sanitizeAnnotationKey(raw);
    annotationKeys.set(raw, key);
  }
  return key;
}

const annotationKeys = new Map<string, string>();

function sanitizeAnnotationKey(raw: string): string {
  const cleaned = raw.replace(/\//g, '.').replace(/[^-A-Za-z0-9_.]/g, '-');
  const trimmed = cleaned.length > MAX_ANNOTATION_NAME ? cleaned.slice(cleaned.length - MAX_ANNOTATION_NAME) : cleaned;
  return trimmed.replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9]+$/, '');
}

function truncate(text: string): string {
  return text.length <= MAX_WARNING_LENGTH ? text : `${text.slice(0, MAX_WARNING_LENGTH - 3)}...`;
}

/** Deduplicated warnings that the apiserver will pass on whole. */
export function boundedWarnings(messages: Iterable<string>): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  let bytes = 0;
  let dropped = 0;
  for (const message of messages) {
    const warning = truncate(message);
    if (seen.has(warning)) continue;
    seen.add(warning);
    const size = Buffer.byteLength(warning);
    if (bytes + size > MAX_WARNINGS_BYTES - 64) {
      dropped++;
      continue;
    }
    bytes += size;
    out.push(warning);
  }
  if (dropped > 0) out.push(`${dropped} more warning(s) omitted; see the audit annotations or portcullis logs`);
  return out;
}

export function combine(
  findings: Finding[],
  policyAnnotations: Record<string, string>,
  mode: ServerMode,
): Decision {
  const warnings: string[] = [];
  const denials: Finding[] = [];
  const auditAnnotations: Record<string, string> = {};
  const auditByPolicy = new Map<string, string[]>();
  const effective: Finding[] = [];

  for (const finding of findings) {
    if (finding.action === 'Deny' && mode === 'audit') {
      const message = `would deny: ${finding.message}`;
      warnings.push(message);
      pushTo(auditByPolicy, finding.policy, message);
      effective.push(finding);
      continue;
    }
    effective.push(finding);
    if (finding.action === 'Deny') denials.push(finding);
    else if (finding.action === 'Warn') warnings.push(finding.message);
    else pushTo(auditByPolicy, finding.policy, finding.message);
  }

  for (const [key, value] of Object.entries(policyAnnotations)) auditAnnotations[auditAnnotationKey(key)] = value;
  for (const [policy, messages] of auditByPolicy) {
    auditAnnotations[auditAnnotationKey(`${policy}/audit-violations`)] = [...new Set(messages)].join('; ');
  }

  const decision: Decision = {
    allowed: denials.length === 0,
    warnings: boundedWarnings(warnings),
    auditAnnotations,
    findings: effective,
  };
  const first = denials[0];
  if (first) {
    const message = [...new Set(denials.map((d) => d.message))].join('; ');
    decision.status = { code: first.code ?? 403, message, ...(first.reason ? { reason: first.reason } : {}) };
  }
  return decision;
}

function pushTo(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
