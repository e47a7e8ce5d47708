/**
 * Decode and check an AdmissionReview request body. The kube-apiserver always sends a well-formed
 * review; anything else is a client bug or an attack, so every malformed shape gets its own
 * message naming the field, and nothing deeper than the envelope is trusted.
 */
import { AdmissionDecodeError } from './errors.js';
import {
  ADMISSION_API_VERSIONS,
  OPERATIONS,
  type AdmissionApiVersion,
  type AdmissionReviewRequest,
  type Operation,
} from './types.js';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function checkObjectField(request: Record<string, unknown>, field: 'object' | 'oldObject'): void {
  const value = request[field];
  if (value !== undefined && value !== null && !isPlainObject(value)) {
    throw new AdmissionDecodeError(`request.${field} must be an object, got ${describe(value)}`, `request.${field}`);
  }
}

function checkGroupVersionField(
  request: Record<string, unknown>,
  field: 'kind' | 'resource',
  nameKey: 'kind' | 'resource',
): void {
  const value = request[field];
  if (!isPlainObject(value)) {
    throw new AdmissionDecodeError(`request.${field} must be an object with group, version and ${nameKey}`, `request.${field}`);
  }
  for (const key of ['group', 'version', nameKey]) {
    if (typeof value[key] !== 'string') {
      throw new AdmissionDecodeError(`request.${field}.${key} must be a string`, `request.${field}.${key}`);
    }
  }
}

export function decodeAdmissionReview(body: unknown): AdmissionReviewRequest {
  if (!isPlainObject(body)) {
    throw new AdmissionDecodeError(`body must be a JSON object (an AdmissionReview), got ${describe(body)}`, '');
  }
  if (body.kind !== 'AdmissionReview') {
    throw new AdmissionDecodeError(`kind must be "AdmissionReview", got ${JSON.stringify(body.kind) ?? 'nothing'}`, 'kind');
  }
  if (!ADMISSION_API_VERSIONS.includes(body.apiVersion as AdmissionApiVersion)) {
    throw new AdmissionDecodeError(
      `apiVersion must be one of ${ADMISSION_API_VERSIONS.join(', ')}, got ${JSON.stringify(body.apiVersion) ?? 'nothing'}`,
      'apiVersion',
    );
  }
  const request = body.request;
  if (!isPlainObject(request)) {
    throw new AdmissionDecodeError('request is missing or not an object', 'request');
  }
  if (typeof request.uid !== 'string' || request.uid.length === 0) {
    throw new AdmissionDecodeError('request.uid must be a non-empty string', 'request.uid');
  }
  if (!OPERATIONS.includes(request.operation as Operation)) {
    throw new AdmissionDecodeError(
      `request.operation must be one of ${OPERATIONS.join(', ')}, got ${JSON.stringify(request.operation) ?? 'nothing'}`,
      'request.operation',
    );
  }
  checkGroupVersionField(request, 'kind', 'kind');
  checkGroupVersionField(request, 'resource', 'resource');
  checkObjectField(request, 'object');
  checkObjectField(request, 'oldObject');
  if (request.userInfo !== undefined && !isPlainObject(request.userInfo)) {
    throw new AdmissionDecodeError('request.userInfo must be an object', 'request.userInfo');
  }
  if (request.userInfo === undefined) request.userInfo = {};
  if (request.namespace !== undefined && typeof request.namespace !== 'string') {
    throw new AdmissionDecodeError('request.namespace must be a string', 'request.namespace');
  }
  if (request.dryRun !== undefined && typeof request.dryRun !== 'boolean') {
    throw new AdmissionDecodeError('request.dryRun must be a boolean', 'request.dryRun');
  }
  return body as unknown as AdmissionReviewRequest;
}
