import { createHash, timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import express, { type RequestHandler } from 'express';
import { registry } from '../metrics';

/**
 * Prometheus' scrape of this process's metrics. On the API's port it needs `Authorization:
 * Bearer <METRICS_TOKEN>` (and is not served without a token configured); on a port of its own
 * (METRICS_PORT, bound to METRICS_HOST) the bind address is the protection, and the token too
 * when one is set. Metrics carry no mail, but do tell who is busy and what fails.
 */
export function metricsHandler(token: string | undefined): RequestHandler {
  const expected = token ? digest(token) : null;
  return async (req, res) => {
    if (expected && !timingSafeEqual(digest(bearerOf(req.headers.authorization)), expected)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      res.status(401).json({ error: { code: 'unauthenticated', message: 'The metrics need Authorization: Bearer <METRICS_TOKEN>' } });
      return;
    }
    res.set('Cache-Control', 'no-store').type(registry.contentType).send(await registry.metrics());
  };
}

/** The metrics alone on their own listener (METRICS_PORT). */
export async function startMetricsListener(port: number, host: string, token: string | undefined): Promise<Server> {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', metricsHandler(token));
  app.use((_req, res) => void res.status(404).json({ error: { code: 'route_not_found', message: 'Only /metrics is served here' } }));
  const server = app.listen(port, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  return server;
}

const digest = (value: string) => createHash('sha256').update(value).digest();
const bearerOf = (header: string | undefined) => /^Bearer (.+)$/i.exec(header ?? '')?.[1]?.trim() ?? '';
