/** Response builders: the answer always echoes the request's apiVersion and uid. */
import { encodePatch, type JsonPatchOperation } from './patch.js';
import type {
  AdmissionApiVersion,
  AdmissionResponse,
  AdmissionReviewResponse,
  Status,
} from './types.js';

export function allow(uid: string, extra: Omit<AdmissionResponse, 'uid' | 'allowed'> = {}): AdmissionResponse {
  return { uid, allowed: true, ...extra };
}

export function deny(
  uid: string,
  status: { code?: number; message: string; reason?: string },
  extra: Omit<AdmissionResponse, 'uid' | 'allowed' | 'status'> = {},
): AdmissionResponse {
  const code = status.code ?? 403;
  const full: Status = { code, message: status.message, reason: status.reason ?? reasonForCode(code), status: 'Failure' };
  return { uid, allowed: false, status: full, ...extra };
}

/** The metav1.StatusReason Kubernetes pairs with each code we answer with. */
export function reasonForCode(code: number): string {
  switch (code) {
    case 401:
      return 'Unauthorized';
    case 413:
      return 'RequestEntityTooLarge';
    case 422:
      return 'Invalid';
    case 400:
      return 'BadRequest';
    case 500:
      return 'InternalError';
    default:
      return 'Forbidden';
  }
}

export function withPatch(response: AdmissionResponse, patch: readonly JsonPatchOperation[]): AdmissionResponse {
  if (patch.length === 0) return response;
  return { ...response, patchType: 'JSONPatch', patch: encodePatch(patch) };
}

export function review(apiVersion: AdmissionApiVersion, response: AdmissionResponse): AdmissionReviewResponse {
  return { apiVersion, kind: 'AdmissionReview', response };
}
