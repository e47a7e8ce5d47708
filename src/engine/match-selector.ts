/**
 * Kubernetes label selectors (metav1.LabelSelector): `matchLabels` and `matchExpressions` with the
 * operators In, NotIn, Exists and DoesNotExist, all ANDed. An empty selector matches everything;
 * an absent one is treated the same, because admissionregistration defaults an absent
 * namespaceSelector/objectSelector to `{}`.
 *
 * Selectors are compiled once (at policy load) into a predicate so that a review only pays for a
 * few map lookups.
 */

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export type Labels = Record<string, string> | undefined | null;
export type LabelPredicate = (labels: Labels) => boolean;

const MATCH_ALL: LabelPredicate = () => true;
const MATCH_NONE: LabelPredicate = () => false;

function has(labels: Labels, key: string): boolean {
  return labels != null && Object.prototype.hasOwnProperty.call(labels, key);
}

function requirementPredicate(req: LabelSelectorRequirement): LabelPredicate {
  const values = new Set(req.values ?? []);
  switch (req.operator) {
    case 'In':
      return (labels) => has(labels, req.key) && values.has((labels as Record<string, string>)[req.key] as string);
    case 'NotIn':
      return (labels) => !has(labels, req.key) || !values.has((labels as Record<string, string>)[req.key] as string);
    case 'Exists':
      return (labels) => has(labels, req.key);
    case 'DoesNotExist':
      return (labels) => !has(labels, req.key);
    default:
      // An unknown operator never validates at load; should one slip through, select nothing
      // (what labels.Selector parsing failure means for Kubernetes: the selector is unusable).
      return MATCH_NONE;
  }
}

/** True when the selector selects every label set (absent, `{}`, or only empty lists). */
export function isEmptySelector(selector: LabelSelector | undefined | null): boolean {
  if (!selector) return true;
  const labels = selector.matchLabels ? Object.keys(selector.matchLabels).length : 0;
  const expressions = selector.matchExpressions?.length ?? 0;
  return labels === 0 && expressions === 0;
}

export function compileLabelSelector(selector: LabelSelector | undefined | null): LabelPredicate {
  if (isEmptySelector(selector)) return MATCH_ALL;
  const checks: LabelPredicate[] = [];
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) {
    checks.push((labels) => has(labels, key) && (labels as Record<string, string>)[key] === value);
  }
  for (const req of selector?.matchExpressions ?? []) checks.push(requirementPredicate(req));
  if (checks.length === 1) return checks[0] as LabelPredicate;
  return (labels) => {
    for (const check of checks) if (!check(labels)) return false;
    return true;
  };
}

/** One-off selector match; policies compile their selectors once with compileLabelSelector instead. */
export function matchesLabelSelector(selector: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  return compileLabelSelector(selector)(labels);
}
