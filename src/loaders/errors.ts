/**
 * Shared vocabulary of the policy loaders: a parsed document with its origin, and the error that
 * names where a policy source went wrong (file, and line when known; policy and field when the
 * error is about one).
 */
import type { KubeObject } from '../admission/types.js';

export interface SourcedDocument { doc: KubeObject; file: string; line: number }

export interface PolicyLoadErrorDetails {
  /** the policy (or binding) the error is about */
  policy?: string;
  /** the field path inside that object, e.g. spec.validations[2].expression */
  field?: string;
}

export class PolicyLoadError extends Error {
  code: string;
  file: string;
  line?: number;
  policy?: string;
  field?: string;

  constructor(code: string, file: string, message: string, line?: number, details: PolicyLoadErrorDetails = {}) {
    super(line === undefined ? `${file}: ${message}` : `${file}:${line}: ${message}`);
    this.name = 'PolicyLoadError';
    this.code = code;
    this.file = file;
    if (line !== undefined) this.line = line;
    if (details.policy !== undefined) this.policy = details.policy;
    if (details.field !== undefined) this.field = details.field;
  }
}
