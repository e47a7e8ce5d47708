/**
 * The HTTPS webhook: POST /validate and /mutate, GET /healthz and /readyz.
 * The policy set is read through a getter on every review, so a reload swaps it atomically
 * without touching reviews already in flight.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Logger } from 'pino';
import { decodeAdmissionReview } from '../admission/decode.js';
import { allow, deny, review, withPatch } from '../admission/respond.js';
import type { AdmissionResponse, AdmissionReviewRequest } from '../admission/types.js';
import type { Decision, PolicySet } from '../engine/policy-set.js';
import type { Lookups, ServerMode } from '../engine/types.js';
import { httpErrorFor } from './errors.js';
import type { Metrics } from './metrics.js';

export const DEFAULT_MAX_BODY_BYTES = 3 * 1024 * 1024;

export interface ServerOptions {
  certPem: string;
  keyPem: string;
  policies: () => PolicySet;
  lookups: Lookups;
  mode: ServerMode;
  logger: Logger;
  metrics: Metrics;
  maxBodyBytes?: number;
  /** false until the first policy set is loaded, and again while shutting down */
  ready?: () => boolean;
  /** Node server timeouts (ms): slow or stalled clients are cut off without delaying other reviews */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
}

type Endpoint = 'validate' | 'mutate';

export type WebhookServer = FastifyInstance<HttpsServer, IncomingMessage, ServerResponse, FastifyBaseLogger>;

export function buildServer(options: ServerOptions): WebhookServer {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const app = Fastify({
    https: { cert: options.certPem, key: options.keyPem, minVersion: 'TLSv1.2' },
    loggerInstance: options.logger as FastifyBaseLogger,
    // one line per review is logged by the handler itself, with the fields operators need
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: maxBodyBytes,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 65_000,
    connectionTimeout: 0,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  app.server.headersTimeout = options.headersTimeoutMs ?? 10_000;
  // AdmissionReviews are JSON only: without this, Fastify would also accept text/plain bodies.
  app.removeContentTypeParser('text/plain');

  const { metrics, logger } = options;
  const ready = options.ready ?? (() => true);

  app.setErrorHandler((error, request, reply) => {
    const { status, body } = httpErrorFor(error, maxBodyBytes);
    const endpoint = request.url.split('?')[0] ?? '';
    metrics.badRequests.inc({ endpoint, code: String(status) });
    logger.warn({ endpoint, status, code: body.code, field: body.field }, body.message);
    void reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: 'Not Found', code: 'NOT_FOUND', message: `no route for ${request.method} ${request.url.split('?')[0]}` });
  });

  const handle = (endpoint: Endpoint) => async (request: FastifyRequest, reply: FastifyReply) => {
    const started = process.hrtime.bigint();
    const body = decodeAdmissionReview(request.body);
    metrics.inFlight.inc({ endpoint });
    try {
      const { response, verdict } = evaluate(endpoint, body, options);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.duration.observe({ endpoint }, seconds);
      const dryRun = body.request.dryRun === true;
      metrics.reviews.inc({ endpoint, verdict, dry_run: String(dryRun) });
      const req = body.request;
      logger.info(
        {
          uid: req.uid,
          endpoint,
          kind: req.kind.kind,
          namespace: req.namespace,
          name: req.name ?? req.object?.metadata?.name ?? req.object?.metadata?.generateName,
          operation: req.operation,
          dryRun,
          verdict,
          durationMs: Math.round(seconds * 1e6) / 1e3,
        },
        'review',
      );
      return reply.send(review(body.apiVersion, response));
    } finally {
      metrics.inFlight.dec({ endpoint });
    }
  };

  app.post('/validate', handle('validate'));
  app.post('/mutate', handle('mutate'));
  for (const url of ['/validate', '/mutate']) {
    app.route({ method: ['GET', 'PUT', 'DELETE', 'PATCH'], url, handler: methodNotAllowed('POST') });
  }
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) =>
    ready() ? { status: 'ready' } : reply.code(503).send({ status: 'not ready' }),
  );
  return app;
}

function methodNotAllowed(allowed: string) {
  return async (request: FastifyRequest, reply: FastifyReply) =>
    reply
      .code(405)
      .header('allow', allowed)
      .send({ error: 'Method Not Allowed', code: 'METHOD_NOT_ALLOWED', message: `${request.method} ${request.url.split('?')[0]} is not allowed; use ${allowed}` });
}

function evaluate(
  endpoint: Endpoint,
  body: AdmissionReviewRequest,
  options: ServerOptions,
): { response: AdmissionResponse; verdict: string } {
  const { request } = body;
  const policies = options.policies();
  if (endpoint === 'validate') {
    const decision = policies.validate(request, options.lookups, options.mode);
    countViolations(decision, options);
    return { response: toResponse(request.uid, decision), verdict: decision.allowed ? 'allowed' : 'denied' };
  }
  const decision = policies.mutate(request, options.lookups, options.mode);
  countViolations(decision, options);
  const response = withPatch(toResponse(request.uid, decision), decision.allowed ? decision.patch : []);
  const verdict = !decision.allowed ? 'denied' : response.patch ? 'patched' : 'allowed';
  return { response, verdict };
}

function countViolations(decision: Decision, options: ServerOptions): void {
  for (const finding of decision.findings) {
    options.metrics.violations.inc({ policy: finding.policy, action: finding.action, mode: options.mode });
  }
}

function toResponse(uid: string, decision: Decision): AdmissionResponse {
  const extra: Omit<AdmissionResponse, 'uid' | 'allowed'> = {};
  if (decision.warnings.length > 0) extra.warnings = decision.warnings;
  if (Object.keys(decision.auditAnnotations).length > 0) extra.auditAnnotations = decision.auditAnnotations;
  if (decision.allowed || !decision.status) return allow(uid, extra);
  return deny(uid, decision.status, extra);
}
