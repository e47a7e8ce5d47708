/** Prometheus metrics (prom-client), served on the plain-HTTP metrics port. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  reviews: Counter<'endpoint' | 'verdict' | 'dry_run'>;
  duration: Histogram<'endpoint'>;
  inFlight: Gauge<'endpoint'>;
  violations: Counter<'policy' | 'action' | 'mode'>;
  badRequests: Counter<'endpoint' | 'code'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    reviews: new Counter({
      name: 'portcullis_admission_reviews_total',
      help: 'AdmissionReviews answered, by endpoint, verdict (allowed, denied, patched) and dry run',
      labelNames: ['endpoint', 'verdict', 'dry_run'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'portcullis_admission_review_duration_seconds',
      help: 'Time from a decoded AdmissionReview to its answer',
      labelNames: ['endpoint'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: 'portcullis_admission_reviews_in_flight',
      help: 'AdmissionReviews being evaluated',
      labelNames: ['endpoint'],
      registers: [registry],
    }),
    violations: new Counter({
      name: 'portcullis_policy_violations_total',
      help: 'Policy findings by policy, action (Deny, Warn, Audit) and server mode',
      labelNames: ['policy', 'action', 'mode'],
      registers: [registry],
    }),
    badRequests: new Counter({
      name: 'portcullis_bad_requests_total',
      help: 'Requests answered with an HTTP error (malformed review, too large, wrong content type)',
      labelNames: ['endpoint', 'code'],
      registers: [registry],
    }),
  };
}
