/**
 * HTTP errors outside the admission protocol, answered as JSON `{ error, code, message }` so a
 * client (or an operator with curl) sees exactly what was wrong with the request.
 */
import type { FastifyError } from 'fastify';
import { AdmissionDecodeError } from '../admission/errors.js';

export interface HttpErrorBody {
  error: string;
  code: string;
  message: string;
  field?: string;
}

export function httpErrorFor(error: unknown, maxBodyBytes: number): { status: number; body: HttpErrorBody } {
  if (error instanceof AdmissionDecodeError) {
    return {
      status: 400,
      body: { error: 'Bad Request', code: error.code, message: `invalid AdmissionReview: ${error.message}`, field: error.field },
    };
  }
  const fastifyError = error as FastifyError;
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        body: { error: 'Payload Too Large', code: 'BODY_TOO_LARGE', message: `request body exceeds the limit of ${maxBodyBytes} bytes` },
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        body: { error: 'Unsupported Media Type', code: 'UNSUPPORTED_MEDIA_TYPE', message: 'content-type must be application/json' },
      };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, body: { error: 'Bad Request', code: 'EMPTY_BODY', message: 'request body is empty; expected an AdmissionReview' } };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, body: { error: 'Bad Request', code: 'INVALID_JSON', message: `request body is not valid JSON: ${fastifyError.message}` } };
  }
  if (fastifyError instanceof SyntaxError || fastifyError.statusCode === 400) {
    return { status: 400, body: { error: 'Bad Request', code: 'INVALID_JSON', message: `request body is not valid JSON: ${fastifyError.message}` } };
  }
  const status = typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 ? fastifyError.statusCode : 500;
  return { status, body: { error: status === 500 ? 'Internal Server Error' : 'Error', code: fastifyError.code ?? 'INTERNAL', message: fastifyError.message } };
}
