/** The plain-HTTP metrics port: /metrics for Prometheus and /healthz for probes that cannot speak TLS. */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export function createMetricsServer(registry: Registry): Server {
  return createServer((request, response) => {
    const url = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && url === '/metrics') {
      registry.metrics().then(
        (text) => {
          response.writeHead(200, { 'content-type': registry.contentType });
          response.end(text);
        },
        (error: Error) => {
          response.writeHead(500, { 'content-type': 'text/plain' });
          response.end(error.message);
        },
      );
      return;
    }
    if (request.method === 'GET' && url === '/healthz') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"status":"ok"}');
      return;
    }
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: 'Not Found', message: `no route for ${request.method} ${url}` }));
  });
}
