/**
 * RE2 regular expressions for CEL (`matches`, and the Kubernetes regex library `find`/`findAll`).
 * re2js runs in linear time (no catastrophic backtracking) and accepts RE2 syntax as cel-go does
 * (`(?i)`, `\pL`, `[[:alpha:]]`, `\z`). Patterns usually come from policies, so the same few are
 * compiled over and over: a bounded LRU cache keeps the compiled programs.
 */
import { EvaluationError } from '@marcbachmann/cel-js';
import { RE2JS } from 're2js';
import { charge } from './budget.js';

const CACHE_LIMIT = 512;
const cache = new Map<string, RE2JS>();

export function compileRe2(pattern: string): RE2JS {
  const hit = cache.get(pattern);
  if (hit !== undefined) {
    // refresh recency: Map iteration order is insertion order
    cache.delete(pattern);
    cache.set(pattern, hit);
    return hit;
  }
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new EvaluationError({ code: 'invalid_argument', message: `invalid regular expression '${pattern}': ${detail}` });
  }
  cache.set(pattern, compiled);
  if (cache.size > CACHE_LIMIT) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  return compiled;
}

/** Number of compiled patterns currently cached (for tests). */
export function re2CacheSize(): number {
  return cache.size;
}

/** Regex work is linear in the input; charge it so large inputs count against the budget. */
function chargeScan(input: string): void {
  charge(1 + (input.length >> 6));
}

/** CEL `matches`: true when the pattern matches any substring (RE2 partial match). */
export function re2Matches(input: string, pattern: string): boolean {
  chargeScan(input);
  return compileRe2(pattern).test(input);
}

/** First match, or '' when none (Kubernetes `find`). */
export function re2Find(input: string, pattern: string): string {
  chargeScan(input);
  const match = compileRe2(pattern).exec(input);
  return match === null ? '' : String(match[0]);
}

/** All non-overlapping matches, at most `limit` when limit >= 0 (Kubernetes `findAll`). */
export function re2FindAll(input: string, pattern: string, limit = -1): string[] {
  chargeScan(input);
  if (limit === 0) return [];
  const out: string[] = [];
  for (const match of compileRe2(pattern).matchAll(input)) {
    out.push(String(match[0]));
    if (limit > 0 && out.length >= limit) break;
  }
  return out;
}
