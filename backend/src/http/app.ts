import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import helmet from 'helmet';
import type { Logger } from '../log';
import { RELEASE } from '../upgrade/release';
import { authenticate, type AuthOptions, type Caller } from './auth';
import { openApiDocument } from './contract/openapi';
import { errorHandler, unknownRoute } from './errors';
import { requestLog } from './request-log';
import { addinPages, addinSettings, builtPages, TEAMS_FRAME_ANCESTORS, TEAMS_JS_ORIGINS, TEAMS_TAB_DIST } from './static';

export interface AppOptions {
  log: Logger;
  auth: AuthOptions;
  /** Readiness probes by name (database, token acquisition); each throws when not ready. */
  readiness: Record<string, () => Promise<void>>;
  /** Authenticated API routers, mounted under /api. */
  api?: Router[];
  /** Alternative authentications tried before the bearer token (e.g. an iframe's view ticket); they set req.caller. */
  preAuth?: RequestHandler[];
  /** Prometheus' scrape at /metrics (http/metrics.ts); not served without one. */
  metrics?: RequestHandler;
}

const PRIVATE = 'private, no-store';

/** The caller a bearer token proves, or null for none or a bad one (the probe does not refuse anyone). */
function callerOf(bearer: RequestHandler, req: Request): Promise<Caller | null> {
  const probe = Object.create(req) as Request;
  return new Promise((resolve) => {
    void bearer(probe, {} as Response, (err?: unknown) => resolve(err ? null : (probe.caller ?? null)));
  });
}

export function createApp({ log, auth, readiness, api = [], preAuth = [], metrics }: AppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(helmet());

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  if (metrics) app.get('/metrics', metrics);
  const bearer = authenticate(auth);
  // Probes see ready or not; what is not ready, and why, only an administrator (or the log).
  app.get('/readyz', async (req, res) => {
    const results = await Promise.all(
      Object.entries(readiness).map(async ([name, probe]) => {
        try {
          await probe();
          return [name, { ok: true }] as const;
        } catch (err) {
          log.warn({ probe: name, err: (err as Error).message }, 'readiness probe failed');
          return [name, { ok: false, message: (err as Error).message }] as const;
        }
      }),
    );
    const ready = results.every(([, r]) => r.ok);
    const admin = req.headers.authorization !== undefined && (await callerOf(bearer, req))?.roles.has('admin');
    res.set('Cache-Control', PRIVATE).status(ready ? 200 : 503);
    res.json({ status: ready ? 'ready' : 'not_ready', ...(admin ? { checks: Object.fromEntries(results) } : {}) });
  });

  const apiRouter = express.Router();
  apiRouter.use(requestLog(log));
  // Nothing the API answers (errors included) may be kept by a browser or a proxy: it is someone's mail or the archive's settings.
  apiRouter.use((_req, res, next) => {
    res.set('Cache-Control', PRIVATE);
    next();
  });
  for (const handler of preAuth) apiRouter.use(handler);
  apiRouter.use((req, res, next) => (req.caller ? next() : bearer(req, res, next)));
  apiRouter.use(express.json({ limit: '1mb' }));
  apiRouter.get('/me', (req, res) => {
    const c = req.caller!;
    res.json({ oid: c.oid, upn: c.upn, name: c.name, roles: [...c.roles] });
  });
  // Built once: the contract does not change while the process runs.
  const contract = openApiDocument(RELEASE);
  apiRouter.get('/openapi.json', (_req, res) => {
    res.json(contract);
  });
  for (const router of api) apiRouter.use(router);
  apiRouter.use(unknownRoute);
  app.use('/api', apiRouter);
  app.use('/addin', addinPages(addinSettings(auth)));
  app.use('/admin-tab', builtPages(addinSettings(auth), {
    mount: '/admin-tab', distDir: TEAMS_TAB_DIST, frameAncestors: TEAMS_FRAME_ANCESTORS, connectSrc: TEAMS_JS_ORIGINS, buildCommand: 'npm run build:teams',
  }));

  app.use(unknownRoute);
  app.use(errorHandler(log));
  return app;
}
