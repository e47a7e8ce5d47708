/** Decision combining: the kube-apiserver's limits on warnings and audit annotation keys. */
import { describe, expect, it } from 'vitest';
import { auditAnnotationKey, boundedWarnings, combine, MAX_WARNING_LENGTH, MAX_WARNINGS_BYTES } from '../../src/engine/combine.js';

describe('warnings', () => {
  it('cuts each warning to 256 characters and drops duplicates', () => {
    const long = 'x'.repeat(300);
    const out = boundedWarnings([long, long, 'short', 'short']);
    expect(out).toEqual([`${'x'.repeat(MAX_WARNING_LENGTH - 3)}...`, 'short']);
    expect(out[0]).toHaveLength(256);
  });

  it('keeps the total under 4 KiB and says how many were left out', () => {
    const many = Array.from({ length: 40 }, (_, i) => `warning ${i} ${'y'.repeat(200)}`);
    const out = boundedWarnings(many);
    const bytes = out.reduce((n, w) => n + Buffer.byteLength(w), 0);
    expect(bytes).toBeLessThanOrEqual(MAX_WARNINGS_BYTES);
    expect(out.at(-1)).toBe(`${40 - (out.length - 1)} more warning(s) omitted; see the audit annotations or portcullis logs`);
  });
});

describe('audit annotation keys', () => {
  it('hold no slash and at most 63 characters, starting and ending alphanumeric', () => {
    expect(auditAnnotationKey('pod-security/audit-violations')).toBe('pod-security.audit-violations');
    const key = auditAnnotationKey(`${'very-long-policy-name-'.repeat(5)}/key`);
    expect(key.length).toBeLessThanOrEqual(63);
    expect(key).toMatch(/^[A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9]$/);
    expect(key.endsWith('.key')).toBe(true);
  });
});

describe('combine', () => {
  it('in audit mode never denies: a Deny becomes a warning and an annotation', () => {
    const decision = combine([{ policy: 'p', action: 'Deny', message: 'no', code: 403 }], {}, 'audit');
    expect(decision.allowed).toBe(true);
    expect(decision.status).toBeUndefined();
    expect(decision.warnings).toEqual(['would deny: no']);
    expect(decision.auditAnnotations).toEqual({ 'p.audit-violations': 'would deny: no' });
  });

  it('lists every Deny reason once, with the first denial code', () => {
    const decision = combine(
      [
        { policy: 'a', action: 'Deny', message: 'first', code: 422, reason: 'Invalid' },
        { policy: 'b', action: 'Deny', message: 'second', code: 403 },
        { policy: 'a', action: 'Deny', message: 'first', code: 422, reason: 'Invalid' },
      ],
      {},
      'enforce',
    );
    expect(decision.status).toEqual({ code: 422, message: 'first; second', reason: 'Invalid' });
  });
});
