/**
 * Errors of the audit and test commands. Every one is "bad input" (exit code 2): it names the file,
 * and the line when the problem has one, so that a CI log points straight at it.
 */

export type AuditErrorCode =
  | 'MANIFEST_UNREADABLE'
  | 'MANIFEST_YAML'
  | 'MANIFEST_NOT_OBJECT'
  | 'BAD_OPTION'
  | 'POLICY_LOAD'
  | 'UNKNOWN_POLICY'
  | 'OLD_OBJECT_MISSING'
  | 'CLUSTER';

/** Something the user gave us (a path, a manifest, a flag, a policy folder) cannot be used. */
export class AuditInputError extends Error {
  readonly code: AuditErrorCode;
  readonly file?: string;
  readonly line?: number;

  constructor(code: AuditErrorCode, message: string, where?: { file: string; line?: number }) {
    const prefix = where ? (where.line === undefined ? `${where.file}: ` : `${where.file}:${where.line}: `) : '';
    super(`${prefix}${message}`);
    this.name = 'AuditInputError';
    this.code = code;
    if (where) {
      this.file = where.file;
      if (where.line !== undefined) this.line = where.line;
    }
  }
}

/** A policy test suite is malformed (unknown field, missing file, bad expectation). */
export class SuiteError extends Error {
  readonly code = 'SUITE_INVALID';
  readonly file: string;

  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'SuiteError';
    this.file = file;
  }
}

/** The cluster could not be reached or answered an error we cannot work around. */
export class ClusterAuditError extends Error {
  readonly code = 'CLUSTER_AUDIT';
  readonly status?: number;

  constructor(message: string, status?: number) {
    super(message);
    this.name = 'ClusterAuditError';
    if (status !== undefined) this.status = status;
  }
}
