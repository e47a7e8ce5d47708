/** A request body that is not a usable AdmissionReview: answered with HTTP 400 and this message. */
export class AdmissionDecodeError extends Error {
  readonly code = 'ADMISSION_DECODE';
  readonly statusCode = 400;
  constructor(
    message: string,
    /** the JSON path of the offending field, e.g. request.uid */
    readonly field: string,
  ) {
    super(message);
    this.name = 'AdmissionDecodeError';
  }
}
