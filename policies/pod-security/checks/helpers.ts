/** Small helpers the checks share, worded exactly as upstream so messages match Pod Security Admission. */
import type { Container, PodSpec } from './types.js';

const NO_CONTAINERS: readonly Container[] = Object.freeze([]);

/** `"a", "b"` (Go's joinQuote: plain double quotes, no escaping). */
export function joinQuote(items: readonly string[]): string {
  return items.length === 0 ? '' : `"${items.join('", "')}"`;
}

export function pluralize(singular: string, plural: string, count: number): string {
  return count === 1 ? singular : plural;
}

/** `container "a"` / `containers "a", "b"` */
export function containerList(names: readonly string[]): string {
  return `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;
}

/** Sorted, deduplicated copy (upstream's sets.List(): byte-wise order). */
export function sortedSet(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(byteOrder);
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function list(value: Container[] | null | undefined): readonly Container[] {
  return Array.isArray(value) ? value : NO_CONTAINERS;
}

/**
 * Calls `visit` for init, regular and ephemeral containers, in that order (upstream visitContainers).
 * Entries that are not objects cannot come from the apiserver; offline audits of hand-written
 * manifests may hold them, and they are skipped rather than crashing the check.
 */
export function visitContainers(podSpec: PodSpec, visit: (container: Container) => void): void {
  for (const c of list(podSpec.initContainers)) if (typeof c === 'object' && c !== null) visit(c);
  for (const c of list(podSpec.containers)) if (typeof c === 'object' && c !== null) visit(c);
  for (const c of list(podSpec.ephemeralContainers)) if (typeof c === 'object' && c !== null) visit(c);
}

/** The container's name as Go would print it (a missing name is the empty string). */
export function nameOf(container: Container): string {
  return typeof container.name === 'string' ? container.name : '';
}

/** Pods in a user namespace (`hostUsers: false`) get relaxed rules from v1.35. */
export function relaxPolicyForUserNamespacePod(podSpec: PodSpec): boolean {
  return podSpec.hostUsers === false;
}

/** Go reads a missing string as "". */
export function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const SHORT_ESCAPES: Readonly<Record<number, string>> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r' };

/**
 * A double-quoted string as Go's %q prints it (strconv.Quote): printable characters as they are,
 * `"` and `\` escaped, everything else as \a..\r, \xNN, \uNNNN or \UNNNNNNNN. Used where upstream
 * quotes annotation values, so messages match byte for byte.
 */
export function goQuote(text: string): string {
  let out = '"';
  for (const raw of text) {
    const cp = raw.codePointAt(0) as number;
    // Go decodes a lone surrogate in JSON as U+FFFD
    const ch = cp >= 0xd800 && cp <= 0xdfff ? '\ufffd' : raw;
    const code = ch.codePointAt(0) as number;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (PRINTABLE.test(ch)) out += ch;
    else if (SHORT_ESCAPES[code]) out += SHORT_ESCAPES[code];
    else if (code < 0x80) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}
